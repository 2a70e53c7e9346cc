"""Whether the new shops of a batch are already registered: among themselves and against the stored shops.

The checks of the one write path (`app.merchants.writing`), made with a handful of queries for the whole batch
and deciding exactly what the one-by-one checks of `app.merchants.placement` decide for a shop registered alone
(the parity tests register the same shop both ways), with the earlier shops of the batch counting as registered:

- hard duplicates (refused, 409): the phone, then the account key, held by an active stored shop or by an
  earlier shop of the batch; the problem names that shop when the caller may see it;
- near duplicates (flagged in `possible_duplicate_of`, still registered): a visible active shop on the same
  street with the same compact name, else one within 30 m, stored or earlier in the batch.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import Principal
from app.core.errors import AppError
from app.merchants.changes import ShopRow
from app.merchants.models import Merchant
from app.merchants.placement import NEAR_METRES, account_taken, box, metres, phone_taken, visible_name
from app.merchants.repository import MerchantRepository
from app.merchants.writing.repository import RegistrationRepository


@dataclass(frozen=True, slots=True)
class Claim:
    """What a new shop of the batch would hold: its phone and its payment account key (None when it has none)."""

    index: int
    merchant_id: str
    name: str
    phone: str | None
    key: str | None


@dataclass(frozen=True, slots=True)
class Known:
    """What `RegistrationRepository.known` found, read before the registrations were built (one round trip with the
    id check): the active shops holding the phones and account keys it asked for, with their keys."""

    phones: frozenset[str]
    keys: frozenset[str]
    rows: list[tuple[Merchant, str | None]]

    def holders(self, phones: list[str], keys: list[str]) -> list[tuple[Merchant, str | None]] | None:
        """`holders_many(phones, keys)` from what was read; None when it did not ask for all of them."""
        if not (self.phones.issuperset(phones) and self.keys.issuperset(keys)):
            return None
        wanted_phones, wanted_keys = set(phones), set(keys)
        return [(m, k) for m, k in self.rows if m.phone_active in wanted_phones or k in wanted_keys]


async def hard_duplicates(
    session: AsyncSession, principal: Principal, claims: list[Claim], known: Known | None = None
) -> dict[int, AppError]:
    """index -> the 409 a claim meets; the claims without one hold their phone and key for the later ones.
    `known`: the holders already read, used when it asked for every phone and key of the claims."""
    phones = sorted({c.phone for c in claims if c.phone})
    keys = sorted({c.key for c in claims if c.key})
    holders = known.holders(phones, keys) if known is not None else None
    if holders is None:
        holders = await RegistrationRepository(session).holders_many(phones, keys)
    by_phone = {m.phone_active: visible_name(principal, m) for m, _ in holders if m.phone_active}
    by_key = {k: visible_name(principal, m) for m, k in holders if k}
    problems: dict[int, AppError] = {}
    for c in claims:
        if c.phone and c.phone in by_phone:
            problems[c.index] = phone_taken(by_phone[c.phone])
        elif c.key and c.key in by_key:
            problems[c.index] = account_taken(by_key[c.key])
        else:  # the caller registered it in this very batch: theirs to see
            mine = {"existing_merchant_id": c.merchant_id, "existing_merchant_name": c.name}
            if c.phone:
                by_phone[c.phone] = mine
            if c.key:
                by_key[c.key] = mine
    return problems


async def flag_near_duplicates(session: AsyncSession, principal: Principal, shops: list[ShopRow]) -> None:
    """Set `possible_duplicate_of` on each new shop, as `placement.near_duplicate` would one by one."""
    repo = MerchantRepository(session)
    named = [m for m in shops if m["street_id"] is not None and m["name_compact"]]
    by_name: dict[tuple[int | None, str], str] = {}
    if named:
        streets = {m["street_id"] for m in named}
        names = {m["name_compact"] for m in named}
        for street_id, name, shop_id in await RegistrationRepository(session).same_names(principal, streets, names):
            by_name.setdefault((street_id, name), shop_id)
    # the batch's earlier shops, by street and by (street, name): a batch of 500 compares each shop with its own
    # street's shops only, not with every earlier shop of the batch
    earlier: dict[int, list[ShopRow]] = {}
    first_named: dict[tuple[int, str], str] = {}
    for m in shops:
        m["possible_duplicate_of"] = None
        street_id, name, lat, lon = m["street_id"], m["name_compact"], m["lat"], m["lon"]
        if street_id is not None:
            same = first_named.get((street_id, name)) if name else None
            found = by_name.get((street_id, name)) or same
            if found is None and lat is not None and lon is not None:
                stored = await repo.near_duplicates(principal, street_id, m.id, "", box(lat, lon, NEAR_METRES))
                around = [(o.id, o.lat, o.lon) for o in stored]
                around += [(o.id, o["lat"], o["lon"]) for o in earlier.get(street_id, [])]
                found = next(
                    (
                        i
                        for i, olat, olon in around
                        if olat is not None and olon is not None and metres(lat, lon, olat, olon) <= NEAR_METRES
                    ),
                    None,
                )
            m["possible_duplicate_of"] = found
            earlier.setdefault(street_id, []).append(m)
            first_named.setdefault((street_id, name), m.id)
