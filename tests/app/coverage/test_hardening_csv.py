"""coverage.csv never hands a spreadsheet a formula, whatever a street is called."""

from __future__ import annotations

import csv
import io

import pytest


@pytest.mark.parametrize("name", ['=HYPERLINK("http://evil.example","Bấm")', "+1+1", "-2+3", "@SUM(A1)"])
async def test_formula_leading_street_name_is_neutralised(client, auth, name):
    admin = await auth("admin")
    street = {"name": name, "units": [{"edition": "2025", "code": "26506"}], "is_model_street": True}
    r = await client.post("/api/v1/streets", json=street, headers=admin)
    assert r.status_code == 201, r.text
    r = await client.get("/api/v1/coverage.csv", params={"level": "street", "model": "true"}, headers=admin)
    assert r.status_code == 200
    rows = list(csv.reader(io.StringIO(r.text.lstrip("\ufeff"))))
    cells = [cell for row in rows for cell in row]
    assert "'" + name in cells
    assert not any(c.startswith(("=", "+", "-", "@", "\t", "\r")) for c in cells)
