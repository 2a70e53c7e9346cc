"""The work queue, team progress and trends pages' data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth import Principal
from app.dashboard import bankstate
from app.dashboard.repository import DashboardRepository, ShopLine
from app.dashboard.views import Line, behind_streets, scope_units

QUEUE_LIMIT = 20
TEAM_BUCKETS = {"week": 8, "month": 6}  # the recent window: its rows, not every shop ever, are read


@dataclass
class Queue:
    behind: list[Line]
    reviews: list[ShopLine]
    rejected: list[tuple[ShopLine, bankstate.BankState]]
    duplicates: list[ShopLine]
    duplicate_names: dict[str, str]
    today: date


async def queue(session: AsyncSession, principal: Principal) -> Queue:
    units = await scope_units(session, principal)
    repo = DashboardRepository(session)
    dups = await repo.duplicates(principal, units, QUEUE_LIMIT)
    return Queue(
        behind=await behind_streets(session, principal),
        reviews=await repo.pending_reviews(principal, units, QUEUE_LIMIT),
        rejected=await bankstate.rejected(session, principal, units, QUEUE_LIMIT),
        duplicates=dups,
        duplicate_names=await repo.names([d.possible_duplicate_of for d in dups if d.possible_duplicate_of]),
        today=datetime.now(UTC).date(),
    )


@dataclass
class AgentRow:
    name: str
    username: str
    unit: str
    registered: list[int]
    qr: list[int]

    @property
    def total_registered(self) -> int:
        return sum(self.registered)

    @property
    def total_qr(self) -> int:
        return sum(self.qr)


@dataclass
class Team:
    period: str
    buckets: list[str]
    agents: list[AgentRow]
    teams: list[AgentRow]
    since: date


def bucket_starts(period: str, today: date, n: int) -> list[str]:
    if period == "week":
        monday = today - timedelta(days=today.weekday())
        return [(monday - timedelta(weeks=k)).isoformat() for k in range(n - 1, -1, -1)]
    out, y, m = [], today.year, today.month
    for _ in range(n):
        out.append(date(y, m, 1).isoformat())
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    return list(reversed(out))


async def team(session: AsyncSession, principal: Principal, period: str, unit_names: dict[str, str]) -> Team:
    period = period if period in TEAM_BUCKETS else "week"
    units = await scope_units(session, principal)
    buckets = bucket_starts(period, datetime.now(UTC).date(), TEAM_BUCKETS[period])
    since = datetime.fromisoformat(buckets[0]).replace(tzinfo=UTC)
    repo = DashboardRepository(session)
    reg = await repo.registrations(principal, units, period, since)
    qrs = await repo.qr_issued(principal, units, period, since)
    people = await repo.users({a for a, *_ in reg + qrs if a is not None})
    index = {b: i for i, b in enumerate(buckets)}
    agents: dict[tuple[int | None, str], AgentRow] = {}
    teams: dict[str, AgentRow] = {}
    for rows, attr in ((reg, "registered"), (qrs, "qr")):
        for agent, unit, bucket, n in rows:
            if bucket not in index:
                continue
            username, full = people.get(agent, ("", "")) if agent is not None else ("", "")
            row = agents.setdefault(
                (agent, unit), AgentRow(full or "—", username, unit, [0] * len(buckets), [0] * len(buckets))
            )
            getattr(row, attr)[index[bucket]] += n
            t = teams.setdefault(
                unit, AgentRow(unit_names.get(unit, unit), unit, unit, [0] * len(buckets), [0] * len(buckets))
            )
            getattr(t, attr)[index[bucket]] += n
    ordered = sorted(agents.values(), key=lambda r: (-r.total_registered, -r.total_qr, r.name))
    return Team(period, buckets, ordered, sorted(teams.values(), key=lambda r: r.name), since.date())
