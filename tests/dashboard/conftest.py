"""Browser fixtures: Debian's Chromium through Playwright, against one real local host per module
with a small sample (a few stores x a month) loaded through the real ingest endpoint."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.dashboard.sample import load_small_sample
from tests.support.host import LocalHost
from tests.support.tokens import auth_header, token_for

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
READY_TIMEOUT_MS = 20_000


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalHost]:
    server = LocalHost(tmp_path_factory.mktemp("dashboard-host"), env={"SCOUT_AUTH_MODE": "dev"})
    server.start()
    try:
        load_small_sample(server)
        yield server
    finally:
        server.stop(timeout=10)


@pytest.fixture(scope="module")
def api(host: LocalHost) -> Iterator[httpx.Client]:
    """The API as the dashboard's reader sees it, for the figures the page must show."""
    with host.client(headers=auth_header(token_for(host, "Dashboard.Read"))) as client:
        yield client


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: apt-get install chromium"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Screenshots of each module; SCOUT_SCREENSHOT_DIR keeps them somewhere you can look."""
    wanted = os.environ.get("SCOUT_SCREENSHOT_DIR")
    path = Path(wanted) if wanted else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


class Dashboard:
    """One browser tab on the dashboard, recording console errors and failed page scripts."""

    def __init__(self, page: Page, base_url: str) -> None:
        self.page = page
        self.base_url = base_url
        self.console_errors: list[str] = []
        page.on("console", lambda msg: msg.type == "error" and self.console_errors.append(msg.text))
        page.on("pageerror", lambda exc: self.console_errors.append(f"page error: {exc}"))

    def open(self, query: str = "") -> Dashboard:
        self.page.goto(f"{self.base_url}/{query}")
        return self.wait_settled()

    def wait_settled(self) -> Dashboard:
        """Wait until the view has answered (ready, empty or error) and nothing is loading."""
        self.page.wait_for_selector("#view[aria-busy='false'][data-state]", timeout=READY_TIMEOUT_MS)
        return self

    @property
    def state(self) -> str | None:
        return self.page.get_attribute("#view", "data-state")

    @property
    def query(self) -> dict[str, list[str]]:
        from urllib.parse import parse_qs, urlparse

        return parse_qs(urlparse(self.page.url).query)

    def kpi(self, key: str) -> tuple[float, str]:
        """A KPI card's raw value (``data-value``) and the text a reader sees."""
        card = self.page.locator(f"[data-kpi='{key}']")
        return float(card.get_attribute("data-value") or "nan"), card.locator(".kpi-value").inner_text()

    def screenshot(self, directory: Path, name: str) -> Path:
        path = directory / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def dashboard(browser: Browser, host: LocalHost) -> Iterator[Callable[..., Dashboard]]:
    contexts: list[Any] = []

    def open_tab(viewport: dict[str, int] = DESKTOP) -> Dashboard:
        context = browser.new_context(viewport=viewport, accept_downloads=True)
        contexts.append(context)
        return Dashboard(context.new_page(), host.base_url)

    yield open_tab
    for context in contexts:
        context.close()
