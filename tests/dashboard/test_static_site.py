"""The static site as deployed to Azure Static Web Apps: its config, its CSP, what it ships."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

SITE = Path(__file__).resolve().parents[2] / "static_web"


@pytest.fixture(scope="module")
def swa_config() -> dict:
    return json.loads((SITE / "staticwebapp.config.json").read_text())


def csp_directives(policy: str) -> dict[str, list[str]]:
    parts = (d.split() for d in policy.split(";") if d.strip())
    return {p[0]: p[1:] for p in parts}


def test_global_csp_forbids_inline_and_eval_scripts(swa_config: dict) -> None:
    csp = csp_directives(swa_config["globalHeaders"]["Content-Security-Policy"])
    assert csp["script-src"] == ["'self'"]
    assert csp["default-src"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["object-src"] == ["'none'"]
    assert not any("unsafe" in v for values in csp.values() for v in values)


def test_security_headers_and_api_left_to_the_function_app(swa_config: dict) -> None:
    headers = swa_config["globalHeaders"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Strict-Transport-Security"].startswith("max-age=")
    assert "/api/*" in swa_config["navigationFallback"]["exclude"]
    assert not [r for r in swa_config["routes"] if r["route"].startswith("/api")]
    assert {"route": "/dev-issuer/*", "statusCode": 404} in swa_config["routes"]


class _Markup(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.inline_scripts = 0
        self.inline_handlers: list[str] = []
        self.style_attributes = 0
        self.meta_csp = ""
        self._in_script_without_src = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        self.inline_handlers += [n for n in names if n.startswith("on")]
        self.style_attributes += "style" in names
        if tag == "script":
            self._in_script_without_src = "src" not in names
        if tag == "meta" and names.get("http-equiv") == "Content-Security-Policy":
            self.meta_csp = names.get("content") or ""

    def handle_data(self, data: str) -> None:
        if self._in_script_without_src and data.strip():
            self.inline_scripts += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script_without_src = False


def test_page_has_no_inline_script_or_style_and_carries_its_own_csp() -> None:
    markup = _Markup()
    markup.feed((SITE / "index.html").read_text())
    assert (markup.inline_scripts, markup.inline_handlers, markup.style_attributes) == (0, [], 0)
    csp = csp_directives(markup.meta_csp)
    assert csp["script-src"] == ["'self'"] and csp["style-src"] == ["'self'"]


def test_chart_js_is_vendored_with_its_licence() -> None:
    bundle = (SITE / "vendor" / "chart.umd.js").read_text()
    assert re.match(r"/\*!\s*\n \* Chart\.js v4\.\d+\.\d+", bundle)
    assert "Released under the MIT License" in bundle[:400]
    assert "MIT License" in (SITE / "vendor" / "chart.js.LICENSE.md").read_text()


def test_no_secret_ships_with_the_site() -> None:
    pattern = re.compile(
        r"client_secret|password|BEGIN (RSA )?PRIVATE KEY|AccountKey=|SharedAccessSignature", re.I
    )
    shipped = [p for p in SITE.rglob("*") if p.is_file() and p.suffix in {".js", ".json", ".html", ".css"}]
    found = [
        str(p.relative_to(SITE)) for p in shipped if "vendor" not in p.parts and pattern.search(p.read_text())
    ]
    assert shipped and found == []
