"""Reconciliation (after Pix's DICT): XOR digests of `record_hash`es, for the bank and per unit or street.

XOR is order-free and cheap to keep on both sides; one differing record changes the digest of its group and of
the whole. A bank compares the totals, then the groups, then lists just the groups that differ.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession

from app.bank.handoff.export_sql import digests_select
from app.bank.handoff.exports import record_batches
from app.bank.handoff.repository import HandoffRepository, narrowed, not_in_view, visible_records_query
from app.bank.handoff.schemas import GroupDigest, ReconciliationIn

Group = Literal["unit", "street"]
ZERO = "0" * 64
NO_STREET = "none"


def group_key(record: dict[str, Any], group: Group) -> str:
    if group == "unit":
        u = record["address"]["unit_2025"]
        return f"{u['edition']}:{u['code']}"
    street = record["address"]["street_id"]
    return str(street) if street is not None else NO_STREET


async def digests(session: AsyncSession, bank_bin: str, group: Group) -> tuple[int, str, list[GroupDigest]]:
    """On PostgreSQL the database XORs the stored view's hashes (app.bank.handoff.view), and hashes the records
    the view lacks (none once the outbox has written them; app.bank.handoff.export_sql); elsewhere, record by
    record here."""
    if session.get_bind().dialect.name == "postgresql":
        found = await _in_database(session, bank_bin, group)
        if found is not None:
            return found
    total, count = 0, 0
    acc: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    async for batch in record_batches(session, bank_bin):
        for record in batch:
            h = int(record["record_hash"], 16)
            total ^= h
            count += 1
            slot = acc[group_key(record, group)]
            slot[0] += 1
            slot[1] ^= h
    groups = [GroupDigest(key=k, count=c, digest=f"{d:064x}") for k, (c, d) in sorted(acc.items())]
    return count, f"{total:064x}", groups


async def _in_database(session: AsyncSession, bank_bin: str, group: Group) -> tuple[int, str, list[GroupDigest]] | None:
    """None when a record the view lacks is one only the Python path hashes exactly."""
    repo = HandoffRepository(session)
    rows, missing = [], 0
    for key, stored, n, *slices in await repo.stored_digest_rows(bank_bin, group):
        missing += n - stored
        if stored:
            rows.append((key, stored, *slices))
    if missing:
        lacking = not_in_view(narrowed(visible_records_query(bank_bin), None, None))
        if await repo.has_exotic(lacking):
            return None
        rows += await repo.digest_rows(digests_select(lacking, group))
    mask = (1 << 64) - 1
    acc: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for key, n, *slices in rows:
        d = 0
        for part in slices:
            d = (d << 64) | (int(part) & mask)
        acc[key][0] += n
        acc[key][1] ^= d
    total, count = 0, 0
    for c, d in acc.values():
        total ^= d
        count += c
    groups = [GroupDigest(key=k, count=c, digest=f"{d:064x}") for k, (c, d) in sorted(acc.items())]
    return count, f"{total:064x}", groups


def infer_group(body: ReconciliationIn) -> Group:
    if body.group is not None:
        return body.group
    return "unit" if any(":" in g.key for g in body.groups) else "street"


def compare(ours: tuple[int, str, list[GroupDigest]], theirs: ReconciliationIn) -> tuple[bool, list[str]]:
    count, digest, groups = ours
    if not theirs.groups:  # totals only: whether they agree, not yet where they differ
        return count == theirs.count and digest == theirs.digest, []
    mine = {g.key: (g.count, g.digest) for g in groups}
    yours = {g.key: (g.count, g.digest) for g in theirs.groups}
    empty = (0, ZERO)
    mismatched = sorted(k for k in mine.keys() | yours.keys() if mine.get(k, empty) != yours.get(k, empty))
    return (count == theirs.count and digest == theirs.digest and not mismatched), mismatched
