"""Swagger UI renders in a real headless Chromium, with no request leaving loopback."""

from __future__ import annotations

import os
import shutil
from urllib.parse import urlparse

import pytest

from bankmarketing_ops import WebService

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# The flags keep Chromium from calling home; anything that still leaves loopback is caught below.
FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def chromium() -> str:
    if CHROMIUM:
        return CHROMIUM
    if os.environ.get("CI"):
        pytest.fail("Debian's chromium must be installed on CI (.ci/run installs it)")
    pytest.skip("chromium is not installed (apt-get install chromium)")


def test_swagger_ui_renders_offline(chromium: str, deployed: WebService) -> None:
    from playwright.sync_api import sync_playwright

    requested: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=FLAGS)
        try:
            page = browser.new_page()
            page.on("request", lambda request: requested.append(request.url))
            page.goto(deployed.docs_uri)
            page.wait_for_selector(".swagger-ui .info .title", timeout=20_000)
            title = page.inner_text(".swagger-ui .info .title")
            operations = page.locator(".opblock-summary-path").all_inner_texts()
            if os.environ.get("SWAGGER_SCREENSHOT"):  # for the docs: a PNG of what it shows
                page.screenshot(path=os.environ["SWAGGER_SCREENSHOT"])
        finally:
            browser.close()
    assert deployed.name in title
    assert {"/", "/score"} <= {op.strip().replace("\u200b", "") for op in operations}
    hosts = {urlparse(url).hostname for url in requested if not url.startswith("data:")}
    assert hosts == {"127.0.0.1"}, requested
    assert any(url.endswith("/swagger.json?version=3") for url in requested)
