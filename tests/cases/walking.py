"""One staff member's browser for the walks (tests/cases/test_walks.py): Debian chromium at
1280×800 driven by Playwright's client, counting page loads per job and running axe-core on every
page it lands on. The only typed address is the sign-in page; everything else is a link or a button.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.public.browser import AXE, SCREENSHOTS

OUT = SCREENSHOTS  # a temporary directory unless CLUEGUARD_SCREENSHOTS_OUT says otherwise
AXE_RUN = """() => axe.run(document, {resultTypes: ['violations']}).then(r => r.violations
  .filter(v => v.impact === 'serious' || v.impact === 'critical')
  .map(v => v.id + ' ' + v.impact + ': ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | ')))"""


class Walk:
    """One person's browser: counts page loads, runs axe on every page it lands on."""

    def __init__(self, page: Any, base_url: str) -> None:
        self.page, self.base_url = page, base_url
        self.loads = 0
        self.violations: dict[str, list[str]] = {}
        self.requests: list[str] = []
        page.on("load", lambda _p: self._loaded())
        page.on("request", lambda r: self.requests.append(r.url))

    def _loaded(self) -> None:
        self.loads += 1

    def audit(self) -> None:
        """axe-core on the page now showing."""
        if not AXE.exists():
            pytest.skip("axe-core is not installed (make peers)")
        self.page.evaluate(AXE.read_text(encoding="utf-8"))
        found = self.page.evaluate(AXE_RUN)
        if found:
            self.violations[self.page.url.replace(self.base_url, "")] = found

    def click(self, selector: str) -> None:
        with self.page.expect_navigation():
            self.page.click(selector)
        self.audit()

    def nav(self, href: str) -> None:
        """Follow the navigation's link to ``href`` (a link on the page, not a typed address)."""
        self.click(f'nav.staff-nav a[href="{href}"]')

    def start_link(self, href: str) -> None:
        """Follow a link of the start page's list of what this person does."""
        self.click(f'main ul.actions a[href="{href}"]')

    def sign_in(self, user: Any) -> None:
        self.page.goto(self.base_url + "/login")  # the one typed address of the day
        self.page.fill("#username", user.username)
        self.page.fill("#password", user.password)
        self.page.fill("#totp", user.totp())
        self.click("main button[type=submit]")
        if "/pledge" in self.page.url:  # first access: the confidentiality undertaking (R30)
            self.page.check("input[name=accept]")
            self.click("main button[type=submit]")

    def text(self, selector: str) -> str:
        return (self.page.text_content(selector) or "").strip()

    def job(self) -> int:
        """Page loads since the last call (one job's worth)."""
        n, self.loads = self.loads, 0
        return n


def record(name: str, jobs: dict[str, int], *walks: Walk) -> None:
    """Write the walk's figures; no page had a serious axe violation and nothing left the site."""
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"walk-{name}.json").write_text(json.dumps(jobs, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    for walk in walks:
        assert walk.violations == {}, walk.violations
        assert all(url.startswith(walk.base_url) for url in walk.requests), "a request left the site"


def shot(walk: Walk, name: str, near: str = "") -> None:
    """The page now showing as the docs show it: its top, or scrolled to just above ``near``."""
    OUT.mkdir(parents=True, exist_ok=True)
    walk.page.evaluate("""near => window.scrollTo(0, near ? Math.max(0,
      document.querySelector(near).getBoundingClientRect().top + window.scrollY - 240) : 0)""", near)
    walk.page.screenshot(path=str(OUT / f"{name}.png"), full_page=False)
