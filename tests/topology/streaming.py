"""A private primary and its streaming replica (`pg_basebackup -R`), on free loopback ports in a temporary directory.

Built with the server binaries of /usr/lib/postgresql/<version>/bin; as root, every command runs as the postgres
user (initdb refuses root). fsync is off: these clusters live for one test. Removed at the end whatever happened.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


def server_bindir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_postgres(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


@dataclass
class Node:
    bindir: Path
    data: Path
    port: int
    sockets: Path

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"

    def ctl(self, *args: str, timeout: float = 60) -> None:
        opts = f"-p {self.port} -k {self.sockets} -c listen_addresses=127.0.0.1 -c fsync=off"
        cmd = [str(self.bindir / "pg_ctl"), "-D", str(self.data), "-l", str(self.data.parent / f"{self.data.name}.log")]
        subprocess.run(_as_postgres([*cmd, "-o", opts, "-w", *args]), check=True, capture_output=True, timeout=timeout)

    def start(self) -> None:
        self.ctl("start")

    def stop(self, mode: str = "fast") -> None:
        self.ctl("stop", "-m", mode)


@dataclass
class Pair:
    primary: Node
    replica: Node


@contextmanager
def primary_with_replica() -> Iterator[Pair]:
    bindir = server_bindir()
    if bindir is None:
        raise RuntimeError("no PostgreSQL server binaries under /usr/lib/postgresql")
    tmp = Path(tempfile.mkdtemp(prefix="phoqr-replica-"))
    os.chmod(tmp, 0o777)
    if os.geteuid() == 0:
        shutil.chown(tmp, "postgres", "postgres")
    primary = Node(bindir, tmp / "primary", _free_port(), tmp)
    replica = Node(bindir, tmp / "replica", _free_port(), tmp)
    started: list[Node] = []
    try:
        subprocess.run(
            _as_postgres(
                [str(bindir / "initdb"), "-D", str(primary.data), "-U", "postgres", "-A", "trust", "--no-sync"]
            ),
            check=True,
            capture_output=True,
            timeout=120,
        )
        primary.start()
        started.append(primary)
        subprocess.run(
            _as_postgres(
                [
                    str(bindir / "pg_basebackup"),
                    *("-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres"),
                    *("-D", str(replica.data), "-R", "-X", "stream", "--checkpoint=fast", "--no-sync"),
                ]
            ),
            check=True,
            capture_output=True,
            timeout=120,
        )
        replica.start()
        started.append(replica)
        yield Pair(primary, replica)
    finally:
        for node in reversed(started):
            with contextlib.suppress(subprocess.CalledProcessError):  # already stopped by the test
                node.stop("immediate")
        shutil.rmtree(tmp, ignore_errors=True)


def wait_until(predicate, seconds: float = 20.0, step: float = 0.1) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(step)
