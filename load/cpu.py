"""Where the machine's CPU went during `make load`: the app's workers, PostgreSQL, and this load generator.

Read from /proc every half second (utime + stime per process, so a worker killed mid-run keeps what it had
used). With the registrations counted by the run, this gives the CPU a registration costs on this machine and
so the most the machine could register per second if nothing else ran: the figure the throughput goal meets
or not, independent of how the load was offered.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / TICK  # utime, stime (fields 14 and 15 of proc(5))


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    try:
        return [int(p) for p in path.read_text().split()]
    except (FileNotFoundError, ProcessLookupError):
        return []


def postmaster_pid(data_dir: Path) -> int | None:
    try:
        return int((data_dir / "postmaster.pid").read_text().split()[0])
    except (FileNotFoundError, ValueError, IndexError):
        return None


@dataclass
class CpuMeter:
    """CPU seconds per group of processes; `groups` maps a name to a function listing the group's pids now."""

    groups: dict[str, Callable[[], list[int]]]
    used: dict[str, dict[int, float]] = field(default_factory=dict)
    start: dict[str, dict[int, float]] = field(default_factory=dict)
    sampled: bool = False

    def sample(self) -> None:
        for name, pids in self.groups.items():
            seen = self.used.setdefault(name, {})
            first = self.start.setdefault(name, {})
            for pid in pids():
                value = _cpu_seconds(pid)
                if value is not None:
                    seen[pid] = value
                    # what a process had used before the run is not the run's; one born during it counts in full
                    first.setdefault(pid, value if not self.sampled else 0.0)
        self.sampled = True

    def seconds(self, name: str) -> float:
        """CPU used by the group since it was first seen (a process born during the run counts from zero)."""
        first = self.start.get(name, {})
        return sum(v - first.get(pid, 0.0) for pid, v in self.used.get(name, {}).items())

    def by_process(self, name: str) -> dict[int, float]:
        first = self.start.get(name, {})
        return {pid: v - first.get(pid, 0.0) for pid, v in self.used.get(name, {}).items()}

    @contextlib.asynccontextmanager
    async def running(self, every: float = 0.5) -> AsyncIterator[CpuMeter]:
        async def loop() -> None:
            while True:
                self.sample()
                await asyncio.sleep(every)

        self.sample()
        task = asyncio.create_task(loop())
        try:
            yield self
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            self.sample()
