"""Vietnamese banks by NAPAS BIN, from the bundled banks.csv; renamed banks resolve to their current name."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

_CSV = Path(__file__).parent / "data" / "banks.csv"


@dataclass(frozen=True, slots=True)
class Bank:
    bin: str
    short_name: str
    name: str
    legal_name: str
    swift: str | None
    accepts_transfers_in_app: bool
    status: str
    former_names: tuple[str, ...] = ()


@cache
def _registry() -> tuple[dict[str, Bank], dict[str, Bank]]:
    with _CSV.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    renamed: dict[str, list[dict[str, str]]] = {}
    for r in rows:
        if r["status"] == "renamed":
            renamed.setdefault(r["bin"], []).append(r)
    by_bin: dict[str, Bank] = {}
    by_name: dict[str, Bank] = {}
    for r in rows:
        if r["status"] != "active":
            continue
        old = renamed.get(r["bin"], [])
        bank = Bank(
            bin=r["bin"],
            short_name=r["short_name"],
            name=r["name"],
            legal_name=r["legal_name"],
            swift=r["swift"] or None,
            accepts_transfers_in_app=r["accepts_transfers_in_app"] == "yes",
            status="active",
            former_names=tuple(dict.fromkeys(x for o in old for x in (o["short_name"], o["name"]))),
        )
        by_bin[bank.bin] = bank
    for bank in by_bin.values():  # current names win over former ones
        for alias in bank.former_names:
            by_name.setdefault(alias.casefold(), bank)
    for bank in by_bin.values():
        by_name[bank.short_name.casefold()] = bank
        by_name[bank.name.casefold()] = bank
    return by_bin, by_name


@cache
def known_bins() -> frozenset[str]:
    return frozenset(_registry()[0])


def by_bin(bin_: str) -> Bank | None:
    return _registry()[0].get(bin_)


def by_short_name(name: str) -> Bank | None:
    """Case-insensitive; a former name ('DongA Bank', 'OCEANBANK') gives the bank that carries the BIN now."""
    return _registry()[1].get(name.strip().casefold())


def all() -> list[Bank]:
    return sorted(_registry()[0].values(), key=lambda b: b.bin)
