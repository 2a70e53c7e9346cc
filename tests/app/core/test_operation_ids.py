"""Operation ids are the names generated clients give their methods: a rename breaks every client silently. The
checked-in list (docs/operation-ids.txt) pins them, and a change must be named in CHANGELOG.md.

The list's lines: `id` (published), `+ id` (added since the last release), `- id` (removed or renamed since).
Every `+`/`-` line must be named (in backticks) in CHANGELOG.md; the live document must hold exactly the
published and added ids. On release the `+` lines lose their sign and the `-` lines go.
"""

from __future__ import annotations

from pathlib import Path

from app.main import create_app

ROOT = Path(__file__).resolve().parents[3]
LIST = ROOT / "docs" / "operation-ids.txt"


def parse(text: str) -> tuple[set[str], set[str], set[str]]:
    published, added, removed = set(), set(), set()
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("+"):
            added.add(line[1:].strip())
        elif line.startswith("-"):
            removed.add(line[1:].strip())
        else:
            published.add(line)
    return published, added, removed


def problems(live: set[str], listed: str, changelog: str) -> list[str]:
    published, added, removed = parse(listed)
    out = [f"{i}: in the document, not in docs/operation-ids.txt" for i in sorted(live - published - added)]
    out += [f"{i}: in docs/operation-ids.txt, not in the document" for i in sorted((published | added) - live)]
    out += [
        f"{i}: changed without a CHANGELOG.md line naming `{i}`"
        for i in sorted(added | removed)
        if f"`{i}`" not in changelog
    ]
    return out


def test_the_check_fails_on_a_rename_and_on_a_change_the_changelog_does_not_name():
    listed = "merchants_create\nmerchants_get\n"
    assert problems({"merchants_create", "merchants_read"}, listed, "") == [
        "merchants_read: in the document, not in docs/operation-ids.txt",
        "merchants_get: in docs/operation-ids.txt, not in the document",
    ]
    renamed = "merchants_create\n+ merchants_read\n- merchants_get\n"
    assert problems({"merchants_create", "merchants_read"}, renamed, "renamed `merchants_get`") == [
        "merchants_read: changed without a CHANGELOG.md line naming `merchants_read`"
    ]
    assert problems({"merchants_create", "merchants_read"}, renamed, "`merchants_get` → `merchants_read`") == []


def test_operation_ids_match_the_checked_in_list(settings):
    schema = create_app(settings).openapi()
    live = {op["operationId"] for ops in schema["paths"].values() for op in ops.values() if "operationId" in op}
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert problems(live, LIST.read_text(encoding="utf-8"), changelog) == []
