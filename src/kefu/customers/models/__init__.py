"""Customers (顾客/客户): the customer file (客户档案), its value tier (客户分级) and its orders.

A customer has several phones and emails, found by any of them; a person may belong to an
organisation (its contacts). The value tier is a rung of an editable ladder (`TierLevel`); orders and
payments come from the business systems and feed the tiers, RFM and the loyalty points.

One module per part: `record` (the customer file), `orders` (orders, payments and their imports),
`loyalty` (the card and the points ledger), `value` (tiers and RFM). Everything is importable from here.
"""

from kefu.customers.models.loyalty import (
    ApplicationStatus,
    Card,
    CardApplication,
    CardLevel,
    CardStatus,
    LedgerIsAppendOnly,
    PointsBalance,
    PointsEntry,
    PointsKind,
    PointsRule,
)
from kefu.customers.models.orders import (
    ImportJob,
    ImportKind,
    ImportMapping,
    Order,
    OrderKind,
    Payment,
)
from kefu.customers.models.record import (
    PHONE_TAIL,
    Anonymisation,
    BirthdayCalendar,
    Customer,
    CustomerEmail,
    CustomerMerge,
    CustomerPhone,
    CustomerTag,
    CustomField,
    CustomFieldKind,
    ExportKind,
    ExportLog,
    Gender,
    Kind,
    Relationship,
    Source,
)
from kefu.customers.models.value import (
    DEFAULT_TIER,
    RfmScore,
    RfmSegment,
    TierChange,
    TierFlag,
    TierLevel,
    TierOverride,
)

__all__ = [
    "PHONE_TAIL",
    "DEFAULT_TIER",
    "TierLevel",
    "RfmSegment",
    "RfmScore",
    "TierFlag",
    "TierChange",
    "TierOverride",
    "Kind",
    "Gender",
    "BirthdayCalendar",
    "Relationship",
    "Source",
    "CustomerTag",
    "Customer",
    "CustomerPhone",
    "CustomerEmail",
    "CustomFieldKind",
    "CustomField",
    "CustomerMerge",
    "ExportKind",
    "ExportLog",
    "Anonymisation",
    "OrderKind",
    "Order",
    "Payment",
    "ImportKind",
    "ImportMapping",
    "ImportJob",
    "CardLevel",
    "CardStatus",
    "Card",
    "ApplicationStatus",
    "CardApplication",
    "PointsRule",
    "PointsKind",
    "LedgerIsAppendOnly",
    "PointsEntry",
    "PointsBalance",
]
