"""A private PostgreSQL cluster for `make load`, so stopping the database for the fault test disturbs nobody.

Created with Debian's pg_createcluster on a free port, listening on localhost only (trust auth), started and stopped
with pg_ctlcluster, dropped at the end whatever happened. Needs root (or the postgres user) and postgresql-common.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run(*args: str) -> None:
    subprocess.run(args, check=True, capture_output=True, text=True, timeout=120)


@dataclass
class Cluster:
    version: str
    name: str
    port: int

    @property
    def data_dir(self) -> Path:
        return Path(f"/var/lib/postgresql/{self.version}/{self.name}")

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/phoqr_load"

    def stop(self) -> None:
        _run("pg_ctlcluster", "--skip-systemctl-redirect", self.version, self.name, "stop", "-m", "fast")

    def start(self) -> None:
        _run("pg_ctlcluster", "--skip-systemctl-redirect", self.version, self.name, "start")
        self.wait_ready()

    def is_running(self) -> bool:
        r = subprocess.run(["pg_isready", "-h", "127.0.0.1", "-p", str(self.port), "-q"], check=False)
        return r.returncode == 0

    def wait_ready(self, seconds: float = 30) -> None:
        deadline = time.monotonic() + seconds
        while not self.is_running():
            if time.monotonic() > deadline:
                raise RuntimeError(f"PostgreSQL cluster {self.name} did not come up on port {self.port}")
            time.sleep(0.2)


def _version() -> str:
    versions = sorted(os.listdir("/etc/postgresql"), key=lambda v: [int(x) for x in v.split(".")])
    return versions[-1]


@contextmanager
def private_cluster() -> Iterator[Cluster]:
    cluster = Cluster(_version(), f"phoqrload{uuid.uuid4().hex[:6]}", free_port())
    _run(
        "pg_createcluster", cluster.version, cluster.name, "-p", str(cluster.port),
        "-o", "max_connections=200", "-o", "shared_buffers=256MB",
        # the log the report points to says who waited for whose lock and which statements were slow
        "-o", "log_lock_waits=on", "-o", "deadlock_timeout=200ms", "-o", "log_min_duration_statement=250",
        # and where its time went, statement by statement (printed at the end of the run)
        "-o", "shared_preload_libraries=pg_stat_statements",
        "--", "--auth=trust", "--encoding=UTF8",
    )  # fmt: skip
    try:
        cluster.start()
        _run("psql", "-h", "127.0.0.1", "-p", str(cluster.port), "-U", "postgres", "-c", "CREATE DATABASE phoqr_load")
        _run("psql", "-h", "127.0.0.1", "-p", str(cluster.port), "-U", "postgres", "-d", "phoqr_load",
             "-c", "CREATE EXTENSION pg_stat_statements")  # fmt: skip
        yield cluster
    finally:
        # the server's own log (lock waits, deadlocks, timeouts) outlives the cluster, for whoever reads the figures
        log = Path(f"/var/log/postgresql/postgresql-{cluster.version}-{cluster.name}.log")
        if log.exists():
            shutil.copy(log, Path(tempfile.gettempdir()) / f"phoqr-load-postgresql-{cluster.port}.log")
        # the database is always started again (or dropped with its cluster) even when the run failed
        subprocess.run(
            ["pg_dropcluster", "--stop", cluster.version, cluster.name], check=False, capture_output=True, timeout=120
        )
