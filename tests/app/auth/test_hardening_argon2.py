"""Argon2 runs off the event loop: while one login hashes, every other request keeps being served."""

from __future__ import annotations

import sys
import threading


async def test_password_check_does_not_run_on_the_event_loop_thread(client):
    loop_thread = threading.get_ident()
    on_loop: list[str] = []

    def profile(frame, event, _arg):  # sees calls on this (the loop's) thread only
        if event == "call" and "argon2" in frame.f_code.co_filename and frame.f_code.co_name.endswith("_secret"):
            on_loop.append(frame.f_code.co_name)

    previous = sys.getprofile()
    sys.setprofile(profile)
    try:
        ok = await client.post("/api/v1/auth/token", data={"username": "agent.vungtau", "password": "phoqr-demo"})
        bad = await client.post("/api/v1/auth/token", data={"username": "agent.vungtau", "password": "wrong"})
        unknown = await client.post("/api/v1/auth/token", data={"username": "nobody", "password": "x"})
    finally:
        sys.setprofile(previous)
    assert threading.get_ident() == loop_thread
    assert (ok.status_code, bad.status_code, unknown.status_code) == (200, 401, 401)
    assert on_loop == [], on_loop
