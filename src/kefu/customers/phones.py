"""Phone numbers: the one owner of what a valid number is, how Kefu stores it and how it shows it.

Parsed and validated by Google's libphonenumber (the `phonenumbers` package), for the region of
settings.KEFU_PHONE_REGION (CN by default): mobiles, landlines with their area code (010-12345678,
0755 1234 5678), 400/800 numbers and international numbers (+44 …) are accepted; `12345`, an
internal extension or `anonymous` is not.

Stored form (the `key`): a number of the home region is kept as it is dialled there, digits only
(13800138000, 01012345678, 4008001234) — the form Kefu has always stored, that Chinese SMS gateways
and PBX logs use, so existing records, call logs and work orders keep matching without rewriting
them; a number of another country is kept in E.164 (+447911123456). See docs/operations.md, Phone numbers.
"""

from dataclasses import dataclass
from functools import lru_cache

import phonenumbers
from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext as _

from kefu.core.errors import FieldCode, ValidationError

_KINDS = {
    phonenumbers.PhoneNumberType.MOBILE: "mobile",
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE: "mobile",
    phonenumbers.PhoneNumberType.FIXED_LINE: "landline",
    phonenumbers.PhoneNumberType.TOLL_FREE: "toll_free",  # 800
    phonenumbers.PhoneNumberType.SHARED_COST: "shared_cost",  # 400
    phonenumbers.PhoneNumberType.VOIP: "voip",
    phonenumbers.PhoneNumberType.UAN: "uan",
    phonenumbers.PhoneNumberType.PREMIUM_RATE: "premium_rate",
    phonenumbers.PhoneNumberType.PERSONAL_NUMBER: "personal",
}


@dataclass(frozen=True)
class PhoneNumber:
    """A valid number: `key` is what Kefu stores and matches on, `display` what people read."""

    key: str
    e164: str
    display: str
    kind: str  # mobile, landline, toll_free, shared_cost, …
    region: str

    @property
    def is_mobile(self) -> bool:
        return self.kind == "mobile"

    def __str__(self) -> str:
        return self.key


def home_region() -> str:
    return getattr(settings, "KEFU_PHONE_REGION", "CN") or "CN"


def parse_phone(raw: str) -> PhoneNumber | None:
    """The number `raw` writes, or None when it is not a valid phone number (never raises)."""
    raw = (raw or "").strip()
    if not raw or len(raw) > 40:
        return None
    return _parse(raw, home_region())


@lru_cache(maxsize=65536)  # call imports and screen pops ask for the same numbers again and again
def _parse(raw: str, region: str) -> PhoneNumber | None:
    # No guess at a lost "+": 12125551234 is a mistyped Chinese mobile, not New York.
    found = _valid(raw, region)
    if found is None:
        return None
    number_region = phonenumbers.region_code_for_number(found) or ""
    e164 = phonenumbers.format_number(found, phonenumbers.PhoneNumberFormat.E164)
    if found.country_code == phonenumbers.country_code_for_region(region):  # dialled without +
        national = phonenumbers.format_number(found, phonenumbers.PhoneNumberFormat.NATIONAL)
        key = "".join(ch for ch in national if ch.isdigit())
        display = national
    else:
        key = e164
        display = phonenumbers.format_number(found, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    kind = _KINDS.get(phonenumbers.number_type(found), "other")
    return PhoneNumber(key=key, e164=e164, display=display, kind=kind, region=number_region)


def _valid(raw: str, region: str):
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


def normalise_phone(raw: str, field: str = "customer_phone") -> PhoneNumber | None:
    """The valid number `raw` writes; None for an empty value; a field error for anything else.

    Every place a phone number enters Kefu from a person (forms, the API, the portal, chat) asks this.
    """
    raw = (raw or "").strip()
    if not raw:
        return None
    number = parse_phone(raw)
    if number is None:
        raise ValidationError.for_field(
            field, _("%(value)s is not a valid phone number.") % {"value": raw[:40]}, FieldCode.INVALID
        )
    return number


def phone_key(raw: str) -> str:
    """The stored form of `raw` when it is a valid number, else "" (so nothing ever matches on it)."""
    number = parse_phone(raw)
    return number.key if number else ""


def display_phone(stored: str) -> str:
    """How a stored number reads: 138 0013 8000, 010 1234 5678, +44 7911 123456; else as stored."""
    number = parse_phone(stored)
    return number.display if number else (stored or "")


def is_mobile(raw: str) -> bool:
    """A valid mobile number (one that can receive an SMS)."""
    number = parse_phone(raw)
    return bool(number and number.is_mobile)


#: The types libphonenumber decides before "fixed line or mobile" (phonenumberutil's number_type).
_BEFORE_MOBILE = (
    "premium_rate",
    "toll_free",
    "shared_cost",
    "voip",
    "personal_number",
    "pager",
    "uan",
    "voicemail",
)


def _full(patterns: list[str], prefix: str) -> str:
    return f"^{prefix}(?:{'|'.join(f'(?:{p})' for p in patterns)})$"


def home_mobile_q(field: str = "number") -> Q:
    """`is_mobile` as a filter on stored numbers of the home region (digits as dialled at home), for a
    million at once: the region's mobile pattern from libphonenumber's own metadata, without the
    numbers it types otherwise first (premium, toll-free, shared cost …). Numbers stored abroad
    (+E.164) are not matched: ask `is_mobile` for those (`STORED_ABROAD`)."""
    meta = phonenumbers.PhoneMetadata.metadata_for_region(home_region())
    prefix = f"(?:{meta.national_prefix})?" if meta.national_prefix else ""
    mobile = meta.mobile.national_number_pattern if meta.mobile else None
    if not mobile:
        return Q(pk__in=[])
    found = Q(**{f"{field}__regex": _full([mobile], prefix)})
    others = [
        p.national_number_pattern for name in _BEFORE_MOBILE if (p := getattr(meta, name, None)) is not None
    ]
    others = [p for p in others if p]
    return found & ~Q(**{f"{field}__regex": _full(others, prefix)}) if others else found


#: How a number kept in E.164 starts (one of another country: see the module's docstring).
STORED_ABROAD = "+"
