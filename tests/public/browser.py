"""Driving Debian's chromium as a 390×844 phone (Playwright's client, never `playwright install`).

``Phone`` counts what a reporter does (fields filled, taps) so tests can measure the form;
``axe_violations`` runs the local axe-core copy (tests/peers/node_modules) on the open page.
Screenshots and figures go to ``SCREENSHOTS``: a temporary directory, unless
CLUEGUARD_SCREENSHOTS_OUT names another (``make screenshots`` names docs/screenshots), so that a
test run leaves the working tree as it found it.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "tests" / "peers" / "node_modules" / "axe-core" / "axe.min.js"
COMMITTED_SCREENSHOTS = ROOT / "docs" / "screenshots"  # what the README and docs show


def screenshots_dir(environ: Mapping[str, str] = os.environ) -> Path:
    """Where screenshots and figures go: CLUEGUARD_SCREENSHOTS_OUT, else a temporary directory."""
    chosen = environ.get("CLUEGUARD_SCREENSHOTS_OUT", "")
    return Path(chosen) if chosen else Path(tempfile.gettempdir()) / "clueguard-screenshots"


SCREENSHOTS = screenshots_dir()
WIDTH, HEIGHT = 390, 844


@contextmanager
def serving(app: Flask) -> Iterator[str]:
    """The app on a loopback port, for the browser."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@dataclass
class Phone:
    """One browser tab on a phone, counting the reporter's fields and taps."""

    page: Any
    base: str
    js: bool
    requests: list[str] = field(default_factory=list)
    fields: int = 0
    taps: int = 0

    def open(self, path: str) -> None:
        self.page.goto(self.base + path)

    def tap(self, selector: str) -> None:
        self.taps += 1
        self.page.click(selector)

    def type(self, selector: str, text: str) -> None:
        """Tap into a field and type (or paste) into it."""
        self.fields += 1
        self.tap(selector)
        self.page.fill(selector, text)

    def choose(self, selector: str, value: str) -> None:
        """A native picker: one tap opens it, one chooses."""
        self.fields += 1
        self.taps += 2
        self.page.select_option(selector, value)

    def pick(self, selector: str) -> None:
        """A choice (radio chip, checkbox) by tapping its label."""
        self.fields += 1
        self.tap(selector)

    def attach(self, selector: str, files: list[dict[str, Any]]) -> None:
        """The file button, then the phone's picker."""
        self.fields += 1
        self.taps += 2
        self.page.set_input_files(selector, files)

    def y_of(self, selector: str) -> float:
        """Where an element starts on the page (not in the scrolled viewport)."""
        return float(self.page.locator(selector).first.evaluate("e => e.getBoundingClientRect().top + window.scrollY"))

    def height(self) -> float:
        box = self.page.locator("body").bounding_box()
        assert box is not None
        return float(box["height"])

    def shot(self, name: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / name), full_page=True)


@contextmanager
def phone(base: str, js: bool, locale: str = "zh-CN", bypass_csp: bool = True) -> Iterator[Phone]:
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        # bypass_csp only lets the test inject axe-core; the pages' own CSP is checked elsewhere.
        context = browser.new_context(java_script_enabled=js, viewport={"width": WIDTH, "height": HEIGHT},
                                      is_mobile=True, has_touch=True, device_scale_factor=1, locale=locale,
                                      bypass_csp=bypass_csp)
        page = context.new_page()
        tab = Phone(page, base, js)
        page.on("request", lambda r: tab.requests.append(r.url))
        try:
            yield tab
        finally:
            context.close()
            browser.close()
    assert tab.requests and all(url.startswith(base) for url in tab.requests), "a request left the site"


def axe_violations(tab: Phone) -> list[str]:
    """Serious and critical axe-core violations of the open page (needs a JavaScript-on tab)."""
    if not AXE.exists():
        pytest.skip("axe-core is not installed (make peers)")
    tab.page.add_script_tag(content=AXE.read_text())
    result = tab.page.evaluate("async () => JSON.stringify(await axe.run(document, {resultTypes: ['violations']}))")
    found = json.loads(result)["violations"]
    return [f"{v['id']}: {[n['target'] for n in v['nodes']][:3]}" for v in found
            if v["impact"] in ("serious", "critical")]


# Elements a reporter taps; each must be at least 44×44 CSS px (inline links inside text excepted).
TAP_TARGETS = ("button", "summary", "select", "input[type=text]", "input[type=tel]", "input[type=date]",
               "input[type=file]", "label.choice", "label.chip", "a.button", "a.brand", "nav.lang a")


def small_targets(tab: Phone) -> list[str]:
    """Visible tap targets smaller than 44×44 px."""
    small = []
    for selector in TAP_TARGETS:
        for i, box in enumerate(b for b in (e.bounding_box() for e in tab.page.locator(selector).all()) if b):
            if box["width"] and (box["width"] < 44 or box["height"] < 44):
                small.append(f"{selector}[{i}] {box['width']:.0f}×{box['height']:.0f}")
    return small
