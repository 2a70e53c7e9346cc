"""`make bench`: every benchmark, each figure beside its peer or naive baseline from the same run."""

from __future__ import annotations

import importlib
import logging
import sys

from bench.common import Row, print_table

MODULES = [
    "bench.qr_bench",
    "bench.service_bench",
    "bench.cpu_bench",
    "bench.dashboard_bench",
    "bench.history_bench",
    "bench.outbox_bench",
    "bench.export_bench",
    "bench.units_bench",
    "bench.province_bench",
    "bench.field_bench",
    "bench.import_bench",
]


def main() -> None:
    # a benchmark's output is its figures: the apps it builds log every request (JSON access lines), alembic every
    # migration; below WARNING nothing is printed, whatever level a logger is set to
    logging.disable(logging.INFO)
    rows: list[Row] = []
    for name in MODULES if len(sys.argv) < 2 else [f"bench.{a}" for a in sys.argv[1:]]:
        try:
            module = importlib.import_module(name)
        except ImportError as exc:
            print(f"{name}: not available ({exc})")
            continue
        print(f"running {name} ...", flush=True)
        rows += module.run()
    print()
    print_table(rows)


if __name__ == "__main__":
    main()
