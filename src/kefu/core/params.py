"""Numbers from a page's query string (?category=, ?step=, ?days=), read one way by every page.

A filter that is not a plain number, or one beyond what the database can hold, is ignored: the page
answers as without it, never with a 500 (an id of 99999999999999999999 overflows the driver, and
"²" passes str.isdigit but not int()). The API refuses such values with a 422 instead (kefu.accounts.api.Id).
"""

from collections.abc import Mapping

DB_INT_MAX = 2**63 - 1


def int_or(value, default: int | None = None, *, minimum: int = 1, maximum: int = DB_INT_MAX) -> int | None:
    """`value` (text) as an int within [minimum, maximum]; `default` when missing, malformed or out of range."""
    text = str(value or "").strip()
    if not (text.isascii() and text.isdigit()):
        return default
    number = int(text)
    return number if minimum <= number <= maximum else default


def query_int(params: Mapping, name: str, default: int | None = None, **bounds) -> int | None:
    """The query parameter `name` read by int_or: `query_int(request.GET, "category")`."""
    return int_or(params.get(name), default, **bounds)
