"""The field app's queue belongs to the agent who filled it, not to the phone: signing out with work still queued
warns first, and another agent signing in on the same phone never sends it (it waits for its owner, then goes
once). Editing a shop already on the server, offline: the edit goes through /sync against the version it began
from; when the shop changed on the server meanwhile, the conflict is shown and the form reopens with the
server's copy and this agent's changes on top. Phone 390×844, axe-core on the new screens, screenshots in
var/screenshots/field/."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest

from tests.browser.conftest import PASSWORD, PHONE, REASON, Server
from tests.browser.field_helpers import (
    AGENT,
    axe_violations,
    fill_shop,
    find_shops,
    new_context,
    pending,
    shop_body,
    shot,
    sign_in,
    wait_for_service_worker,
    wait_pending,
)

pytestmark = pytest.mark.skipif(REASON is not None, reason=f"browser tests skipped: {REASON}")
OTHER = "agent.tamthang"
SYNC_NOW = """async () => {  // one sync of this page's own, once no other is running (the Web Lock is shared)
  const sync = await import('/field/static/sync.js');
  for (;;) {
    const result = await sync.syncNow();
    if (result !== 'busy') return result;
    await new Promise((r) => setTimeout(r, 100));
  }
}"""


def model_street(server: Server) -> int:
    return int(server.api("/field/work", AGENT)["streets"][0]["id"])


def sign_in_here(page: Any, username: str) -> None:
    """The sign-in form already on screen (no reload: the page keeps its queue and its state)."""
    page.wait_for_selector("input[name=username]")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form[data-form=signin] button[type=submit]")
    page.wait_for_selector("[data-action=new-shop]")


def test_work_queued_by_one_agent_is_never_sent_under_another(server: Server, browser) -> None:  # type: ignore[no-untyped-def]
    context = new_context(browser, PHONE)
    page = context.new_page()
    sign_in(page, server)
    street = model_street(server)
    context.set_offline(True)
    shop = shop_body(street, "Quán Của Người Trước")
    fill_shop(page, shop)
    assert pending(page) == 1

    # signing out with work queued: a warning, and the choice to stay
    page.goto(f"{server.base}/field#/work")
    page.click("[data-action=signout]")
    warning = page.locator("[data-confirm=signout]")
    warning.wait_for()
    assert warning.get_attribute("data-pending-mine") == "1"
    assert axe_violations(page) == []
    shot(page, "sign-out-warning", "phone")
    page.click("[data-action=stay-signed-in]")
    page.wait_for_selector("[data-action=sync]")  # still signed in, on the queue
    assert page.locator("input[name=username]").count() == 0
    page.goto(f"{server.base}/field#/work")
    page.click("[data-action=signout]")
    page.click("[data-action=signout-anyway]")

    # another agent signs in on this phone, online: the first agent's shop is not sent under their login
    syncs: list[list[str]] = []
    page.on(
        "request",
        lambda r: (
            syncs.append([o["op_id"] for o in r.post_data_json["operations"]])
            if r.url.endswith("/api/v1/sync")
            else None
        ),
    )
    context.set_offline(False)
    sign_in_here(page, OTHER)
    assert page.evaluate(SYNC_NOW) == "done"
    page.goto(f"{server.base}/field#/queue")
    waiting = page.locator('[data-op-status="waiting-owner"]')
    waiting.wait_for()
    assert AGENT in waiting.inner_text()
    assert pending(page) == 1  # still not acknowledged by the server
    assert syncs == [] and find_shops(server, shop["name"]) == []
    assert axe_violations(page) == []
    shot(page, "queue-waiting-owner", "phone")

    # the other agent has nothing queued: signing out asks nothing; the owner signs in again and it goes, once
    page.goto(f"{server.base}/field#/signout")
    sign_in_here(page, AGENT)
    wait_pending(page, 0)
    assert len(syncs) == 1
    assert len(find_shops(server, shop["name"])) == 1
    context.close()


def _shop_on_server(server: Server, street: int, name: str) -> dict[str, Any]:
    body = shop_body(street, name)
    created = server.http.post(
        "/api/v1/merchants",
        json={
            "id": str(uuid.uuid4()),
            "name": name,
            "category": body["category"],
            "owner_name": body["owner_name"],
            "phone": body["phone"],
            "house_number": body["house_number"],
            "street_id": street,
            "location": {"lat": 10.3467, "lon": 107.0841, "accuracy_m": 9},
            "payment_account": {"bank_bin": body["bank_bin"], "account_number": body["account_number"]},
        },
        headers=server.token(AGENT),
    )
    assert created.status_code == 201, created.text
    result: dict[str, Any] = created.json()
    return result


def _open_edit_offline(page: Any, context: Any, server: Server, shop_id: str) -> Any:
    page.goto(f"{server.base}/field#/shop/{shop_id}")  # read once with network: the worker keeps the copy
    page.wait_for_selector(f'a[href="#/edit/{shop_id}"]')
    context.set_offline(True)
    page.click(f'a[href="#/edit/{shop_id}"]')
    form = page.locator("form[data-form=shop]")
    form.wait_for()
    return form


def test_an_offline_edit_goes_against_its_version_and_a_conflict_is_resolved(server: Server, browser) -> None:  # type: ignore[no-untyped-def]
    context = new_context(browser, PHONE)
    page = context.new_page()
    sign_in(page, server)
    wait_for_service_worker(page)
    street = model_street(server)
    shop = _shop_on_server(server, street, "Tạp hóa Sửa Ngoại Tuyến")
    sent: list[dict[str, Any]] = []  # operations of the /sync requests the server answered (offline tries fail)
    page.on(
        "response",
        lambda r: sent.extend(r.request.post_data_json["operations"]) if r.url.endswith("/api/v1/sync") else None,
    )

    form = _open_edit_offline(page, context, server, shop["id"])
    assert form.locator("[name=name]").input_value() == shop["name"]
    assert form.locator("[name=street_id]").input_value() == str(street)
    form.locator("[name=house_number]").fill("77B")
    shot(page, "shop-form-edit", "phone")
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"#/queue$"))
    assert pending(page) == 1
    context.set_offline(False)
    wait_pending(page, 0)
    page.locator('[data-op-status="updated"]').wait_for()
    assert [op["payload"]["base_version"] for op in sent] == [shop["version"]]
    after = server.api(f"/merchants/{shop['id']}", AGENT)
    assert (after["house_number"], after["name"], after["phone"]) == ("77B", shop["name"], shop["phone"])
    assert after["version"] > shop["version"]

    # edited offline again while someone changes the shop on the server: a conflict, shown, nothing overwritten
    sent.clear()
    form = _open_edit_offline(page, context, server, shop["id"])
    form.locator("[name=name]").fill("Tạp hóa Sửa Ngoại Tuyến Mới")
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"#/queue$"))
    elsewhere = server.http.patch(
        f"/api/v1/merchants/{shop['id']}",
        json={"owner_name": "Trần Văn Khác"},
        headers={**server.token(AGENT), "If-Match": f'"{after["version"]}"'},
    )
    assert elsewhere.status_code == 200, elsewhere.text
    context.set_offline(False)
    item = page.locator('[data-op-status="conflict"]')
    item.wait_for(timeout=30_000)
    assert [op["payload"]["base_version"] for op in sent] == [after["version"]]
    assert pending(page) == 0  # answered: a conflict is an answer, shown with what to do
    assert item.locator("[data-error]").count() == 1
    now = server.api(f"/merchants/{shop['id']}", AGENT)
    assert (now["name"], now["owner_name"]) == (shop["name"], "Trần Văn Khác")
    assert axe_violations(page) == []
    shot(page, "queue-conflict", "phone")

    # "fix": the server's copy with this agent's change on top, sent against the server's version
    item.locator('a[href^="#/edit/"]').click()
    page.wait_for_selector("[data-conflict]")
    form = page.locator("form[data-form=shop]")
    assert form.locator("[name=name]").input_value() == "Tạp hóa Sửa Ngoại Tuyến Mới"  # ours
    assert form.locator("[name=owner_name]").input_value() == "Trần Văn Khác"  # theirs, kept
    assert form.locator("[name=house_number]").input_value() == "77B"
    assert axe_violations(page) == []
    shot(page, "shop-form-conflict", "phone")
    sent.clear()
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"#/queue$"))
    wait_pending(page, 0)
    page.locator('[data-op-status="updated"]').nth(1).wait_for()  # the first edit's and this one's
    assert page.locator('[data-op-status="conflict"]').count() == 0  # the conflict was replaced by its fix
    assert [op["payload"]["base_version"] for op in sent] == [now["version"]]
    final = server.api(f"/merchants/{shop['id']}", AGENT)
    assert (final["name"], final["owner_name"], final["house_number"]) == (
        "Tạp hóa Sửa Ngoại Tuyến Mới",
        "Trần Văn Khác",
        "77B",
    )
    assert final["version"] > now["version"]
    context.close()
