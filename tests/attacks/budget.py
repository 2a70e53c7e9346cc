"""The one place that bounds generated attacks, so `make test` stays within its time budget.

Override for a longer hunt: `PHOQR_ATTACK_EXAMPLES=200 make test PYTEST_ARGS="-m attack"`.
"""

from __future__ import annotations

import os

# hypothesis examples per operation and caller, per database (PostgreSQL is slower per request)
MAX_EXAMPLES = {"sqlite": 8, "postgres": 3}
if os.environ.get("PHOQR_ATTACK_EXAMPLES"):
    MAX_EXAMPLES = dict.fromkeys(MAX_EXAMPLES, int(os.environ["PHOQR_ATTACK_EXAMPLES"]))

# no per-example deadline: a slow example is a benchmark's business, a 5xx is ours
DEADLINE = None

# who the generated requests run as (a field agent: the widest writer in the field; city_admin: everything)
CALLERS = ("agent.vungtau", "admin")

# fixed seed: a CI failure reproduces locally; set PHOQR_ATTACK_SEED to explore further
SEED = int(os.environ.get("PHOQR_ATTACK_SEED", "20261123"))
