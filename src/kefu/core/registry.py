"""Extension points (挂钩): how a higher app plugs into a lower one without the lower importing it.

One pattern for every such point. The lower module declares what it needs:

    SENDERS = Registry("tickets.senders")                        # many entries, by key
    CHANNEL_DETAILS_CHECK = Registry("tickets.channel_details_check", default=_details_as_given)  # one

and the app that provides it registers in its `AppConfig.ready()`:

    SENDERS.register(deliver_portal_reply, key="portal")
    CHANNEL_DETAILS_CHECK.register(channel_details_clean)

The lower module then calls `SENDERS.get("portal")` or `CHANNEL_DETAILS_CHECK.get()`. A point with a
single implementation uses the empty key; its `default` answers until an app registers one.
"""

from collections.abc import Iterator
from typing import Generic, TypeVar

T = TypeVar("T")
_MISSING = object()


class Registry(Generic[T]):
    """A named table of implementations, filled by apps at start-up and read by the module declaring it."""

    def __init__(self, name: str, *, default: T | None = None):
        self.name = name
        self.default = default
        self._entries: dict[str, T] = {}

    def register(self, value: T, *, key: str = "", fallback: bool = False) -> T:
        """Make `value` the entry for `key` (replacing an earlier one). A `fallback` entry only fills an
        empty key, so a richer one registered by another app wins whatever the order of the apps.
        Returns `value`, so a function can be registered with a decorator."""
        if not (fallback and key in self._entries):
            self._entries[key] = value
        return value

    def get(self, key: str = "", default=_MISSING) -> T:
        """The entry for `key`; else `default` (given here, or the registry's); else LookupError."""
        if key in self._entries:
            return self._entries[key]
        if default is not _MISSING:
            return default
        if self.default is not None:
            return self.default
        raise LookupError(f"Nothing is registered in {self.name} for {key!r}.")

    def __contains__(self, key: str) -> bool:
        return key in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def values(self) -> list[T]:
        return list(self._entries.values())

    def unregister(self, key: str = "") -> None:
        """Forget the entry for `key` (tests that register a stand-in put things back this way)."""
        self._entries.pop(key, None)

    def __repr__(self) -> str:
        return f"Registry({self.name!r}, keys={sorted(self._entries)})"
