"""Email channel (邮件渠道): mailboxes polled by IMAP or fed by an MTA pipe, replies sent by SMTP."""
