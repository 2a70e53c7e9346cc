"""The one scope rule for shops, as a WHERE clause (used by every query that lists or loads shops).

The clause is built in `app.merchants.repository.visible_filter` (a subquery is a query: it lives with the
merchants' other queries) and re-exported here under its old name.

- city_admin and auditor see every shop; auditor changes nothing.
- field_agent and ward_officer see and change only shops in their (2025) units.
- bank_partner sees only shops whose payment account is at its BIN and whose owner has consented to hand them
  to that bank (app.consents), and changes nothing.
"""

from __future__ import annotations

from app.merchants.repository import visible_filter

__all__ = ["visible_filter"]
