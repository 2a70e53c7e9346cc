"""No account number in any log line: not in SQL parameters, not in a database's error detail, not in a
bank's error message logged with its traceback."""

from __future__ import annotations

import logging
import uuid

import pytest
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from app.merchants.models import PaymentAccount
from tests.app.sync.test_hardening_sync import CrashingBank
from tests.factories import make_merchant

ACCOUNT = "0011009988776"


def _everything_logged(caplog) -> str:
    formatter = logging.Formatter("%(message)s")
    return "\n".join(formatter.format(r) for r in caplog.records) + caplog.text


class LeakyBank(CrashingBank):
    async def issue_qr(self, request):
        raise RuntimeError(f"bank SDK bug while issuing for account {ACCOUNT}")


async def test_unexpected_error_with_an_account_number_is_logged_masked(app, client, auth, caplog):
    app.state.adapters.register(LeakyBank(), bank_bin="970436")
    h = await auth("agent.vungtau")
    shop = {
        "id": str(uuid.uuid4()),
        "name": "Tạp hóa Hương",
        "category": "grocery",
        "unit": {"edition": "2025", "code": "26506"},
        "payment_account": {"bank_bin": "970436", "account_number": ACCOUNT},
    }
    ops = [
        {"op_id": "a", "type": "upsert_merchant", "payload": shop},
        {"op_id": "b", "type": "issue_qr", "payload": {"merchant_id": shop["id"]}},
    ]
    with caplog.at_level(logging.INFO):
        r = await client.post("/api/v1/sync", json={"device_id": "p", "operations": ops}, headers=h)
    assert r.status_code == 200, r.text
    logged = _everything_logged(caplog)
    assert "bank SDK bug" in logged and "Traceback" in logged  # it was logged, with its traceback
    assert ACCOUNT not in logged
    assert "••••8776" in logged


async def test_database_error_detail_and_parameters_never_reach_the_log(app, session, caplog):
    holder = await make_merchant(session, account_number=ACCOUNT)
    other = await make_merchant(session, bank_bin=None)
    row = {"merchant_id": other.id, "kind": "account", "bank_bin": "970436", "account_number": ACCOUNT}
    log = logging.getLogger("phoqr.test")
    with caplog.at_level(logging.INFO), pytest.raises(IntegrityError) as failed:
        async with session.begin_nested():
            await session.execute(insert(PaymentAccount).values(**row, active_key=f"970436:{ACCOUNT}"))
    assert ACCOUNT not in str(failed.value).split("[SQL:")[1]  # parameters hidden by the engine
    with caplog.at_level(logging.INFO):
        try:
            raise RuntimeError("registration failed") from failed.value
        except RuntimeError:
            log.exception("registration of %s failed: %s", holder.id, failed.value)
    logged = _everything_logged(caplog)
    assert "registration failed" in logged
    assert ACCOUNT not in logged
