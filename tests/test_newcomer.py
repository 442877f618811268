"""What a newcomer meets first: `make test` proves what CI proves, apt-get waits for the dpkg lock,
and the README says which Debian packages the two commands install (issue #27 item 14)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAKEFILE = (ROOT / "Makefile").read_text(encoding="utf-8")


def test_make_test_runs_the_redis_tests_as_ci_does() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    [ci_url] = re.findall(r"CLUEGUARD_TEST_REDIS_URL:-([^}]+)}", ci)
    assert f"export CLUEGUARD_TEST_REDIS_URL ?= {ci_url}" in MAKEFILE


def test_every_apt_get_waits_for_the_dpkg_lock() -> None:
    joined = re.sub(r"\\\n\s*", " ", MAKEFILE)  # a recipe's continued lines as one
    calls = re.findall(r"apt-get(?:\s+-o \S+)?", joined)
    assert calls, "the Makefile installs Debian packages"
    assert all(call.split() == ["apt-get", "-o", "DPkg::Lock::Timeout=900"] for call in calls), calls


def test_the_readme_says_the_commands_install_debian_packages_and_how_by_hand() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "install Debian packages with `apt-get`" in readme
    for package in ("libpango-1.0-0", "fonts-noto-cjk", "ffmpeg", "libimage-exiftool-perl", "bubblewrap",
                    "chromium", "nginx"):
        assert f" {package}" in readme.split("To install them by hand first", 1)[1][:600], package
