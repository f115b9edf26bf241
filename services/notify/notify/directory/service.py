"""The recipient directory: a place, as notify addresses it, resolved to the people there and
their channels — an enterprise's principal, actual controller and safety manager from the register
(hazards) and its accounts, a department's or 安委办's staff accounts, a region's admins, one
account, or a mini-program user's openid (identity).

Answers are kept for ``CACHE_SECONDS`` per place, so a wave of reminders to one department asks
once; a register or account edit reaches messages within that time. Nothing else is stored:
phones and e-mail addresses stay with the services that keep them, and out of every log line."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import structlog

from notify.directory.peers import ask
from notify.directory.schemas import Contact
from qingling.directory import Entry, Place, PlaceKind
from qingling.runtime import Runtime

log = structlog.get_logger(__name__)

CACHE_SECONDS = 60
CACHE_PLACES = 5000  # at most this many places kept; the oldest answer goes first


@dataclass
class Directory:
    """Built once per runtime (``NotifyAdapters.directory``); the cache is this replica's own."""

    runtime: Runtime
    ttl: timedelta = timedelta(seconds=CACHE_SECONDS)
    _cache: dict[str, tuple[datetime, list[Contact]]] = field(default_factory=dict)

    async def resolve(self, place: str | Place) -> list[Contact]:
        """The people at ``place``: for an enterprise the register's people first, then its
        accounts. ``ValueError`` for text that is no place; ``DirectoryUnavailable`` when a service
        that knows the place cannot be asked (then nothing partial is answered)."""
        place = place if isinstance(place, Place) else Place.parse(place)
        key, now = str(place), self.runtime.clock.now()
        if (kept := self._cache.get(key)) is not None and kept[0] > now:
            return kept[1]
        listings = [await ask(self.runtime, service, place) for service in sources(place)]
        contacts = [_contact(key, entry) for listing in listings for entry in listing.people]
        self._keep(key, now + self.ttl, contacts)
        # A mini-program user's subject is not logged: sought at a reporter's message, it would tie them to it.
        shown = "wechat:…" if place.kind is PlaceKind.WECHAT else key
        log.info("directory resolved", place=shown, people=len(contacts))
        return contacts

    async def resolve_all(self, places: Iterable[str | Place]) -> list[Contact]:
        """The people at each place, in order; a person found at two places is there twice."""
        return [contact for place in places for contact in await self.resolve(place)]

    def forget(self, place: str | Place | None = None) -> None:
        """Drops what is kept of ``place`` (of every place if None): the next resolve asks again."""
        if place is None:
            self._cache.clear()
        else:
            self._cache.pop(str(place if isinstance(place, Place) else Place.parse(place)), None)

    def _keep(self, key: str, until: datetime, contacts: list[Contact]) -> None:
        self._cache.pop(key, None)
        while len(self._cache) >= CACHE_PLACES:
            self._cache.pop(next(iter(self._cache)))  # dicts keep insertion order: the oldest
        self._cache[key] = (until, contacts)


def sources(place: Place) -> tuple[str, ...]:
    """Which services know the people of ``place``."""
    return ("hazards", "identity") if place.kind is PlaceKind.ENTERPRISE else ("identity",)


def _contact(place: str, entry: Entry) -> Contact:
    return Contact(place=place, **entry.model_dump())
