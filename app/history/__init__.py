"""Coverage over time: a snapshot of every unit and street per day, and what it says about the future.

Coverage itself (`app.coverage`) answers "now" from running counters. Once a day the counters are copied
into `coverage_snapshot` rows, together with each street's and unit's baseline and target as they were that
day (the dated list of model streets), so a past percentage never changes when a street is retargeted or
made a model street later. History reads only snapshots; it never recomputes the past from shops.

Functions other packages use (the dashboard, reports): `service.history`, `service.forecast`,
`runs.run_for_period`, `runs.model_streets_on`, `snapshot.take_snapshot`, `snapshot.local_today`.
"""
