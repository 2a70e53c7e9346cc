"""The traffic of `make load`: field agents registering shops, devices syncing 500-operation batches, officers
reading coverage (and, on the fleet topology, banks polling their list and feed). Every latency is recorded per
route template; every shop the server acknowledged (2xx) is remembered so the run can prove none was lost."""

from __future__ import annotations

import asyncio
import os
import random
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import httpx

from load.phone import Answer, Phone

UNITS = ("26506", "26526")
CATEGORIES = ("grocery", "general_store", "eatery", "cafe", "restaurant", "market_stall")


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)  # connection-level failures, by route
    acknowledged: set[str] = field(default_factory=set)  # shop ids the server answered 2xx for
    registrations: int = 0  # new shops acknowledged (201 and sync "created")
    sync_results: Counter[str] = field(default_factory=Counter)
    replays_ok: int = 0
    duplicates_refused: int = 0
    timeline: list[tuple[float, str, int]] = field(default_factory=list)  # (t, route, status) for fault phases

    def record(self, route: str, status: int, seconds: float) -> None:
        self.latencies[route].append(seconds)
        self.statuses[(route, status)] += 1
        self.timeline.append((time.monotonic(), route, status))

    def server_errors(self, *, count_503: bool = True) -> int:
        return sum(n for (_, s), n in self.statuses.items() if s >= 500 and (count_503 or s != 503))

    def unavailable(self) -> int:
        return sum(n for (_, status), n in self.statuses.items() if status == 503)


def _shop(rng: random.Random, unit: str, streets: list[int]) -> dict[str, Any]:
    n = rng.getrandbits(40)
    return {
        "id": str(uuid.uuid4()),
        "street_id": rng.choice(streets),
        "name": f"Tạp hóa Tải Thử {n:x}",
        "category": rng.choice(CATEGORIES),
        "unit": {"edition": "2025", "code": unit},
        "phone": f"09{n % 10**8:08d}",
        "house_number": str(rng.randint(1, 400)),
        "payment_account": {"bank_bin": "970436", "account_number": f"{n % 10**13:013d}"},
        **_CONSENT,
    }


# PHOQR_LOAD_CONSENT=1: every registration carries the owner's consent (the bank outbox writes on every one)
_CONSENT: dict[str, Any] = (
    {"consent": {"text_version": 1, "channel": "paper_form", "given_by_name": "Chủ cửa hàng tải thử"}}
    if os.environ.get("PHOQR_LOAD_CONSENT", "") not in ("", "0", "false")
    else {}
)


async def _send(
    client: httpx.AsyncClient | Phone, stats: Stats, route: str, method: str, url: str, **kw: Any
) -> httpx.Response | Answer | None:
    start = time.perf_counter()
    try:
        r = await client.request(method, url, **kw)
    except httpx.HTTPError as exc:  # a killed worker drops its connections: not acknowledged, not a 5xx
        stats.errors[f"{route} {type(exc).__name__}"] += 1
        return None
    stats.record(route, r.status_code, time.perf_counter() - start)
    return r


async def field_agent(
    client: httpx.AsyncClient,
    token: str,
    stats: Stats,
    stop: asyncio.Event,
    seed: int,
    streets: list[int],
    interval: float | None = None,
) -> None:
    """An agent works one street at a time (as teams do), moving on now and then. Without `interval` it sends
    the next shop as soon as the last one is answered; with it, one shop every `interval` seconds. It sends from
    its own phone (`load.phone`: one connection to `client`'s server), not through the shared pool."""
    phone = Phone(client.base_url)
    try:
        await _work(phone, token, stats, stop, seed, streets, interval)
    finally:
        await phone.aclose()


async def _work(
    client: Phone,
    token: str,
    stats: Stats,
    stop: asyncio.Event,
    seed: int,
    streets: list[int],
    interval: float | None,
) -> None:
    rng = random.Random(seed)
    street = [rng.choice(streets)]
    headers = {"Authorization": f"Bearer {token}"}
    sent: list[dict[str, Any]] = []
    next_at = time.monotonic() + (rng.uniform(0, interval) if interval else 0)
    while not stop.is_set():
        if interval:
            await asyncio.sleep(max(0.0, next_at - time.monotonic()))
            next_at += interval
            if stop.is_set():
                break
        roll = rng.random()
        if roll < 0.10 and sent:  # the phone did not see the answer and sends the same shop again
            body, kind = rng.choice(sent), "replay"
        elif roll < 0.13 and sent:  # another agent registers a shop already there (same bank account)
            body = {**_shop(rng, UNITS[0], street), "payment_account": rng.choice(sent)["payment_account"]}
            kind = "duplicate"
        else:
            body, kind = _shop(rng, UNITS[0], street), "new"
            if rng.random() < 0.05:
                street = [rng.choice(streets)]
        r = await _send(client, stats, "POST /merchants", "POST", "/api/v1/merchants", json=body, headers=headers)
        if r is None:
            continue
        if r.status_code in (200, 201):
            stats.acknowledged.add(body["id"])
            if kind == "new" and r.status_code == 201:
                stats.registrations += 1
                sent.append(body)
            elif kind == "replay" and r.status_code == 200:
                stats.replays_ok += 1
        elif r.status_code == 409 and kind == "duplicate":
            stats.duplicates_refused += 1


async def device(
    client: httpx.AsyncClient, token: str, stats: Stats, stop: asyncio.Event, seed: int, streets: list[int]
) -> None:
    rng = random.Random(seed)
    headers = {"Authorization": f"Bearer {token}", "X-Device-Id": f"load-device-{seed}"}
    while not stop.is_set():
        shops = [_shop(rng, UNITS[1], streets) for _ in range(500)]
        ops = [{"op_id": uuid.uuid4().hex, "type": "upsert_merchant", "payload": s} for s in shops]
        body = {"device_id": f"load-device-{seed}", "operations": ops}
        r = await _send(client, stats, "POST /sync", "POST", "/api/v1/sync", json=body, headers=headers, timeout=120)
        if r is None or r.status_code != 200:
            continue
        for result in r.json()["results"]:
            stats.sync_results[result["status"]] += 1
            if result["status"] in ("created", "updated", "unchanged"):
                stats.acknowledged.add(result["merchant_id"])
            if result["status"] == "created":
                stats.registrations += 1


async def officer(client: httpx.AsyncClient, token: str, stats: Stats, stop: asyncio.Event, seed: int) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    level = ("unit", "street")[seed % 2]
    while not stop.is_set():
        await _send(
            client, stats, f"GET /coverage?level={level}", "GET", "/api/v1/coverage",
            params={"level": level, "edition": "2025"}, headers=headers,
        )  # fmt: skip
        await asyncio.sleep(0.05)


async def bank_reader(client: httpx.AsyncClient, token: str, stats: Stats, stop: asyncio.Event, seed: int) -> None:
    """A bank polling its list and its feed: the lag-tolerant reads a replica serves (`make load-fleet`)."""
    headers = {"Authorization": f"Bearer {token}"}
    routes = (("GET /bank/merchants", "/api/v1/bank/merchants"), ("GET /bank/events", "/api/v1/bank/events"))
    i = seed
    while not stop.is_set():
        route, url = routes[i % 2]
        i += 1
        await _send(client, stats, route, "GET", url, params={"limit": 100}, headers=headers)
        await asyncio.sleep(0.05)


async def streets_of(client: httpx.AsyncClient, token: str, unit: str) -> list[int]:
    r = await client.get(
        "/api/v1/streets", params={"unit": f"2025:{unit}", "limit": 500}, headers={"Authorization": f"Bearer {token}"}
    )
    r.raise_for_status()
    return [s["id"] for s in r.json()["items"] if s["kind"] == "street"]


async def login(client: httpx.AsyncClient, username: str, password: str) -> str:
    r = await client.post("/api/v1/auth/token", data={"username": username, "password": password})
    r.raise_for_status()
    return str(r.json()["access_token"])


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]
