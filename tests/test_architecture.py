"""The architecture's import contracts hold, and they bite: a forbidden import breaks them."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT = Path(sys.executable).with_name("lint-imports")


def _lint(tree: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(LINT), "--no-cache"], cwd=tree, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the packages and the contracts, to break on purpose."""
    dst = tmp_path_factory.mktemp("arch")
    for pkg in ("bot", "web", "vault", "models", "benchmarks"):
        shutil.copytree(ROOT / pkg, dst / pkg, ignore=shutil.ignore_patterns("__pycache__", "*.po", "*.mo"))
    shutil.copy(ROOT / "pyproject.toml", dst)
    return dst


def test_the_contracts_hold() -> None:
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        ("models/store/config.py", "import web.shared", "Front ends call models"),
        ("vault/kdf.py", "import models.store.db", "The vault is a leaf"),
        ("web/public/__init__.py", "import web.staff.auth", "stay apart"),
        ("bot/common.py", "from web.staff import create_staff_app", "stay apart"),
        ("web/sync/__init__.py", "import web.public.app", "stay apart"),
        ("models/sync/streams.py", "from models.datadir import schema", "Domains in models/"),
        ("models/reporting/intake.py", "from models.cases import workflow", "Domains in models/"),
        ("models/store/runtime.py", "from models.audit import trail", "Domains in models/"),
        ("models/cases/records.py", "from cryptography.hazmat.primitives import hashes", "Only the vault"),
        ("web/staff/cases.py", "from sqlalchemy import select", "no web app imports SQLAlchemy"),
        ("web/cli/main.py", "from benchmarks.cli import bench_group", "does not import the benchmarks"),
        ("models/store/config.py", "import benchmarks.report", "does not import the benchmarks"),
    ],
)
def test_a_forbidden_import_breaks_a_contract(tree: Path, module: str, line: str, contract: str) -> None:
    path = tree / module
    original = path.read_text()
    path.write_text(original + f"\n{line}  # noqa\n")
    try:
        result = _lint(tree)
    finally:
        path.write_text(original)
    assert result.returncode != 0
    broken = result.stdout.split("Broken contracts", 1)[-1]
    assert contract in broken, result.stdout


def test_no_web_app_opens_a_database_session() -> None:
    """Issue 23: the apps call models, which open sessions; lint-imports catches SQLAlchemy imports."""
    for package in ("staff", "public", "sync"):
        for path in (ROOT / "web" / package).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            assert "stores.case()" not in text and "stores.vault()" not in text, path
