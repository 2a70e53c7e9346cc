"""The base every repository builds on: one-row lookups, lookups by id (optionally locked), keyset pages.

Queries live in repositories; services call these methods and never build a session query themselves.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any, ClassVar, Generic, TypeVar, cast

from sqlalchemy import BigInteger, ColumnElement, Select, and_, false, or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute, Mapped

from app.core.errors import ValidationFailed
from app.core.pagination import decode_cursor, encode_cursor, invalid_cursor

M = TypeVar("M")  # the repository's own table
T = TypeVar("T")  # what a statement selects (a repository may read neighbouring tables too)


def _bad_cursor() -> ValidationFailed:
    return invalid_cursor()


def _coerce(column: InstrumentedAttribute[Any], value: Any) -> Any:
    """A cursor value back to the column's Python type; anything that does not fit is a 422 on `cursor`."""
    column_type = getattr(column.type, "impl", column.type)  # a TypeDecorator (UTCDateTime) -> what it stores
    try:
        kind = column_type.python_type
    except NotImplementedError:
        kind = str
    try:
        if kind is datetime:
            parsed = datetime.fromisoformat(str(value))
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
        if kind is date:
            return date.fromisoformat(str(value))
        if kind is int:
            if isinstance(value, bool) or not isinstance(value, int | str):
                raise ValueError(value)
            number = int(value)
            bound = 2**63 if isinstance(column_type, BigInteger) else 2**31  # INTEGER is 32 bits on PostgreSQL
            if not -bound <= number < bound:
                raise ValueError(value)
            return number
        if kind is bool:
            if not isinstance(value, bool):
                raise ValueError(value)
            return value
        if not isinstance(value, str):
            raise ValueError(value)
        return value
    except (TypeError, ValueError) as exc:
        raise _bad_cursor() from exc


def _after(
    columns: Sequence[InstrumentedAttribute[Any]], values: Sequence[Any], descending: bool
) -> ColumnElement[bool]:
    """Rows strictly after `values` in (columns...) order: (a > x) or (a = x and b > y) ..."""
    clauses = []
    for i, column in enumerate(columns):
        beyond = column < values[i] if descending else column > values[i]
        clauses.append(and_(*[columns[j] == values[j] for j in range(i)], beyond))
    return or_(false(), *clauses)


def _cursor_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime | date) else value


class Repository(Generic[M]):
    """Subclasses set `model`; every method runs on the session given (a request's or a batch's)."""

    model: ClassVar[type[Any]]

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get_one_or_none(self, stmt: Select[T]) -> T | None:
        return (await self.session.execute(stmt)).scalars().one_or_none()

    async def get_first(self, stmt: Select[T]) -> T | None:
        return (await self.session.execute(stmt)).scalars().first()

    async def get_all(self, stmt: Select[T]) -> list[T]:
        return list((await self.session.execute(stmt)).scalars())

    async def get(self, id_: Any, *, for_update: bool = False) -> M | None:
        """The row with this primary key; `for_update` locks it until the transaction ends (PostgreSQL)."""
        row = await self.session.get(self.model, id_, with_for_update=True if for_update else None)
        return cast("M | None", row)

    get_by_id = get  # the older name, kept for the repositories that call it

    async def paginate(
        self,
        stmt: Select[T],
        *,
        order: Sequence[Mapped[Any]],
        cursor: str | None,
        limit: int,
        descending: bool = False,
    ) -> tuple[list[T], str | None]:
        """One keyset page of `stmt` ordered by `order` (the last column must be unique, e.g. the id).

        The cursor holds the order values of the last row returned; a cursor that does not decode to values of
        the columns' types is a 422 naming `cursor`, never a 500.
        """
        columns = [cast("InstrumentedAttribute[Any]", c) for c in order]  # model attributes (col(...)) at run time
        after = decode_cursor(cursor, len(columns))
        if after is not None:
            stmt = stmt.where(_after(columns, [_coerce(c, v) for c, v in zip(columns, after, strict=True)], descending))
        ordering = [c.desc() for c in columns] if descending else list(columns)
        rows = list((await self.session.execute(stmt.order_by(*ordering).limit(limit + 1))).scalars())
        more, rows = len(rows) > limit, rows[:limit]
        nxt = None
        if more and rows:
            nxt = encode_cursor([_cursor_value(getattr(rows[-1], c.key)) for c in columns])
        return rows, nxt
