"""Where the browser tests write: a temporary directory unless asked (tests/public/browser.py).

`make test` must leave the working tree as it found it; `make screenshots` alone refreshes the
committed screenshots (docs/screenshots) that the README and docs show. tests/conftest.py checks
after every run that docs/ did not change (``docs_left_as_they_were``).
"""

from __future__ import annotations

import os
from pathlib import Path

from tests.public.browser import COMMITTED_SCREENSHOTS, ROOT, SCREENSHOTS, screenshots_dir


def test_by_default_the_screenshots_go_outside_the_repository() -> None:
    assert not screenshots_dir({}).resolve().is_relative_to(ROOT)
    if not os.environ.get("CLUEGUARD_SCREENSHOTS_OUT"):
        assert not SCREENSHOTS.resolve().is_relative_to(ROOT)


def test_make_screenshots_points_them_at_the_committed_ones() -> None:
    chosen = screenshots_dir({"CLUEGUARD_SCREENSHOTS_OUT": str(COMMITTED_SCREENSHOTS)})
    assert chosen == COMMITTED_SCREENSHOTS
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "CLUEGUARD_SCREENSHOTS_OUT=$(CURDIR)/docs/screenshots" in makefile


def test_every_screenshot_the_readme_shows_is_committed() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    shown = {Path(part.split(")", 1)[0]).name for part in readme.split("(docs/screenshots/")[1:]}
    assert {"inbox.png", "case-page.png", "audit-trail.png", "unseal-approval.png", "admin-accounts.png"} <= shown
    assert sorted(name for name in shown if not (COMMITTED_SCREENSHOTS / name).exists()) == []
