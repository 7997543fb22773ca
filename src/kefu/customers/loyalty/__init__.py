"""The loyalty card (会员卡/积分卡): card levels and their issue, the append-only points ledger.

Services (writes) are in `services`, reads in `selectors`; the rows in kefu.customers.models.loyalty.
"""
