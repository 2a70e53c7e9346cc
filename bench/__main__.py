"""`make bench`: every benchmark, each figure beside its peer or naive baseline from the same run."""

from __future__ import annotations

import importlib
import sys

from bench.common import Row, print_table

MODULES = [
    "bench.qr_bench",
    "bench.service_bench",
    "bench.dashboard_bench",
    "bench.history_bench",
    "bench.outbox_bench",
    "bench.export_bench",
    "bench.import_bench",
]


def main() -> None:
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
