"""The field app's pages: the shell, its manifest and service worker, served from /field under a strict CSP,
within the first-load budget (150 KB of JS and CSS, uncompressed)."""

from __future__ import annotations

import re

from app.field.web import SHELL, STATIC


async def test_shell_links_manifest_and_only_own_scripts(client) -> None:
    r = await client.get("/field")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    csp = r.headers["Content-Security-Policy"]
    assert "script-src 'self';" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "connect-src 'self'" in csp and "frame-ancestors 'none'" in csp
    html = r.text
    assert '<link rel="manifest" href="/field/manifest.webmanifest">' in html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)  # no inline script
    assert not re.search(r"\son[a-z]+=", html) and "style=" not in html  # no inline handlers or styles
    for src in re.findall(r'(?:src|href)="(/field/[^"]+)"', html):
        assert (await client.get(src)).status_code == 200, src


async def test_manifest_makes_it_installable(client) -> None:
    r = await client.get("/field/manifest.webmanifest")
    m = r.json()
    assert r.headers["content-type"].startswith("application/manifest+json")
    assert (m["start_url"], m["display"], m["scope"]) == ("/field", "standalone", "/field")
    assert m["name"] and m["short_name"] and m["theme_color"].startswith("#")
    from PIL import Image

    sizes = set()
    for icon in m["icons"]:
        png = await client.get(icon["src"])
        assert png.headers["content-type"] == "image/png"
        import io

        with Image.open(io.BytesIO(png.content)) as img:
            assert f"{img.width}x{img.height}" == icon["sizes"]
            sizes.add(img.width)
    assert sizes == {192, 512}


async def test_service_worker_controls_field_and_caches_the_whole_shell(client) -> None:
    r = await client.get("/field/sw.js")
    assert r.headers["Service-Worker-Allowed"] == "/field"
    assert r.headers["content-type"].startswith("text/javascript")
    assert "connect-src 'self'" in r.headers["Content-Security-Policy"]  # a worker obeys its own CSP
    assert "__VERSION__" not in r.text and "__SHELL__" not in r.text
    for path in SHELL:
        assert (await client.get(path)).status_code == 200, path
        assert f'"{path}"' in r.text
    scripts = {p.name for p in STATIC.glob("*.js")} - {"sw.js"}
    assert scripts <= {p.rsplit("/", 1)[1] for p in SHELL}  # every module the app imports opens offline


def test_first_load_fits_the_budget() -> None:
    total = sum(p.stat().st_size for p in STATIC.iterdir() if p.suffix in (".js", ".css"))
    assert total <= 150 * 1024, total


async def test_other_pages_keep_their_own_headers(client) -> None:
    r = await client.get("/fieldwork")
    assert r.status_code == 404 and "'self'" not in r.headers.get("Content-Security-Policy", "")


def test_household_fields_are_in_the_form_in_both_languages() -> None:
    form = (STATIC / "form.js").read_text(encoding="utf-8")
    i18n = (STATIC / "i18n.js").read_text(encoding="utf-8")
    vi, en = i18n.split("const EN", 1)
    for name in ("tax_code", "business_registration_number", "einvoice_method"):
        assert f'"{name}"' in form  # a form field, sent in the upsert payload
    keys = {"f_tax_code", "f_business_registration_number", "f_einvoice_method"}
    keys |= {f"ei_{m}" for m in ("none", "tax_authority_code", "cash_register")}
    for key in keys:
        assert re.search(rf"\b{key}: \"", vi) and re.search(rf"\b{key}: \"", en), key
