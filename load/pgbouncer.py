"""A real PgBouncer (Debian's package) in transaction mode, in a temporary directory, on a free loopback port.
Shared by `make load-fleet` (load/fleet.py) and tests/topology/test_pgbouncer.py.

It authenticates nobody (trust, like the local PostgreSQL it forwards to) and keeps a tiny server pool, so the
clients of one app really do share server connections between transactions: whatever the app leaves on a
server connection (a prepared statement, a session setting) is seen by another client's transaction.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.engine import make_url

CANDIDATES = ("/usr/sbin/pgbouncer", "/usr/bin/pgbouncer")


def pgbouncer_binary() -> str | None:
    return shutil.which("pgbouncer") or next((p for p in CANDIDATES if os.access(p, os.X_OK)), None)


def pgbouncer_version(binary: str) -> tuple[int, int]:
    out = subprocess.run([binary, "--version"], capture_output=True, text=True, check=True).stdout
    major, minor = out.split()[1].split(".")[:2]  # "PgBouncer 1.18.0"
    return int(major), int(minor)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_listening(port: int, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"pgbouncer exited: {log.read_text(errors='replace') if log.exists() else ''}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError("pgbouncer did not listen within 15 s")


@contextmanager
def pgbouncer(target_url: str, *, pool_size: int = 2, extra: str = "", pids: list[int] | None = None) -> Iterator[str]:
    """Run PgBouncer in front of target_url's server; yield target_url with host and port replaced by its own.
    `pids` gets the process started (as root: runuser, PgBouncer its child), for whoever measures its CPU."""
    binary = pgbouncer_binary()
    if binary is None:
        raise RuntimeError("pgbouncer is not installed")
    url = make_url(target_url)
    port = _free_port()
    with tempfile.TemporaryDirectory(prefix="phoqr-pgbouncer-") as tmp:
        d = Path(tmp)
        os.chmod(d, 0o777)  # it refuses to run as root: it runs as postgres and writes its log here
        (d / "userlist.txt").write_text(f'"{url.username}" ""\n')
        (d / "pgbouncer.ini").write_text(
            "[databases]\n"
            f"* = host={url.host or '127.0.0.1'} port={url.port or 5432}\n"
            "[pgbouncer]\n"
            f"listen_addr = 127.0.0.1\nlisten_port = {port}\nunix_socket_dir =\n"
            f"auth_type = trust\nauth_file = {d / 'userlist.txt'}\n"
            f"pool_mode = transaction\ndefault_pool_size = {pool_size}\nmax_client_conn = 200\n"
            f"logfile = {d / 'pgbouncer.log'}\npidfile = {d / 'pgbouncer.pid'}\n" + extra
        )
        for f in d.iterdir():
            os.chmod(f, 0o666)
        cmd = [binary, str(d / "pgbouncer.ini")]
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if pids is not None:
            pids.append(proc.pid)
        try:
            _wait_listening(port, proc, d / "pgbouncer.log")
            yield url.set(host="127.0.0.1", port=port).render_as_string(hide_password=False)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
