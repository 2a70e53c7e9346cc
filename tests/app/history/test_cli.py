"""`phoqr snapshot` against a real database file: created, then replaced, and a refused day says why."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from app.core.migrate import upgrade
from tests.conftest import create_database

PHOQR = str(Path(sys.executable).with_name("phoqr"))


def test_phoqr_snapshot(tmp_path):
    url, drop = create_database("sqlite", tmp_path)
    try:
        upgrade(url)
        env = {**os.environ, "PHOQR_DATABASE_URL": url, "PHOQR_ENVIRONMENT": "development", "PHOQR_LOG_JSON": "false"}
        first = subprocess.run([PHOQR, "snapshot"], env=env, capture_output=True, text=True, check=True)
        again = subprocess.run([PHOQR, "snapshot"], env=env, capture_output=True, text=True, check=True)
        assert ": created (" in first.stdout and ": replaced (" in again.stdout, (first.stdout, again.stdout)
        refused = subprocess.run([PHOQR, "snapshot", "--date", "2020-01-01"], env=env, capture_output=True, text=True)
        assert refused.returncode != 0 and "cannot be recorded for a past day" in refused.stderr
    finally:
        drop()
