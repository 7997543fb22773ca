"""Manual channels (人工渠道): walk-in, letter, media report, regulator referral, department transfer.

Staff record these contacts themselves; each channel has its own facts (facts.py), kept in
Ticket.channel_details and checked by services.channel_details_clean for the pages and the API alike.
"""
