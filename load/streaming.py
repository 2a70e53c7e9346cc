"""A streaming replica (`pg_basebackup -R`) of a running primary, on a free loopback port in a temporary directory;
or a private primary and its replica together. Shared by `make load-fleet` (load/fleet.py: a replica of the load's
private cluster) and tests/topology/test_replica.py (both built here).

Built with the server binaries of /usr/lib/postgresql/<version>/bin; as root, every command runs as the postgres
user (initdb refuses root). fsync is off: these clusters live for one run. Removed at the end whatever happened.
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


def _scratch_dir(prefix: str) -> Path:
    tmp = Path(tempfile.mkdtemp(prefix=prefix))
    os.chmod(tmp, 0o777)
    if os.geteuid() == 0:
        shutil.chown(tmp, "postgres", "postgres")
    return tmp


def _psql_value(port: int, sql: str) -> str:
    cmd = ["psql", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-d", "postgres", "-Atc", sql]
    return subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=30).stdout.strip()


# a hot standby refuses to start with less of these than its primary has
_AT_LEAST_PRIMARY = (
    "max_connections", "max_worker_processes", "max_wal_senders", "max_prepared_transactions",
    "max_locks_per_transaction",
)  # fmt: skip


def _basebackup(bindir: Path, primary_port: int, replica: Node) -> None:
    """Copy the primary into replica.data with -R (standby.signal, primary_conninfo). A primary whose configuration
    lives outside its data directory (Debian's pg_createcluster: /etc/postgresql) gets a minimal one written."""
    subprocess.run(
        _as_postgres(
            [
                str(bindir / "pg_basebackup"),
                *("-h", "127.0.0.1", "-p", str(primary_port), "-U", "postgres"),
                *("-D", str(replica.data), "-R", "-X", "stream", "--checkpoint=fast", "--no-sync"),
            ]
        ),
        check=True,
        capture_output=True,
        timeout=300,
    )
    conf = replica.data / "postgresql.conf"
    if not conf.exists():
        values = {name: _psql_value(primary_port, f"SHOW {name}") for name in _AT_LEAST_PRIMARY}
        conf.write_text("".join(f"{k} = {v}\n" for k, v in values.items()) + "hot_standby = on\n")
        (replica.data / "pg_hba.conf").write_text(
            "local all all trust\nhost all all 127.0.0.1/32 trust\nhost replication all 127.0.0.1/32 trust\n"
        )
        (replica.data / "pg_ident.conf").write_text("")
        if os.geteuid() == 0:
            for f in ("postgresql.conf", "pg_hba.conf", "pg_ident.conf"):
                shutil.chown(replica.data / f, "postgres", "postgres")


@contextmanager
def replica_of(primary_port: int) -> Iterator[Node]:
    """A streaming replica of the primary listening on primary_port (which must allow replication from
    127.0.0.1), started; stopped and removed at the end whatever happened."""
    bindir = server_bindir()
    if bindir is None:
        raise RuntimeError("no PostgreSQL server binaries under /usr/lib/postgresql")
    tmp = _scratch_dir("phoqr-replica-")
    replica = Node(bindir, tmp / "replica", _free_port(), tmp)
    started = False
    try:
        _basebackup(bindir, primary_port, replica)
        replica.start()
        started = True
        yield replica
    finally:
        if started:
            with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
                replica.stop("immediate")
        shutil.rmtree(tmp, ignore_errors=True)


@contextmanager
def primary_with_replica() -> Iterator[Pair]:
    bindir = server_bindir()
    if bindir is None:
        raise RuntimeError("no PostgreSQL server binaries under /usr/lib/postgresql")
    tmp = _scratch_dir("phoqr-replica-")
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
        _basebackup(bindir, primary.port, replica)
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
