"""``clueguard bench`` commands run end to end on a tiny store, so a broken bench cannot hide.

Not a measurement: these check that each command reaches every figure it promises (a change of
the sign-in once broke ``bench inbox`` only after it had seeded a million clues). The figures
themselves are docs/performance.md's business.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from models.store.config import Config
from tests.conftest import PG_URL
from web.cli.main import main

PAGES = ("inbox page /cases", "inbox filtered by state", "deadline board page /deadlines")


def _rows(path: Path) -> dict[str, dict[str, object]]:
    return {r["name"]: r for r in json.loads(path.read_text())["rows"]}


@pytest.mark.parametrize(("backend", "seed"), [("sqlite", "workflow"), ("postgres", "bulk")])
def test_bench_inbox_signs_in_and_times_every_page(tmp_path: Path, backend: str, seed: str) -> None:
    """Both seeds: through the workflow functions (what small stores get) and in bulk (large ones)."""
    if backend == "postgres" and not PG_URL:
        pytest.skip("CLUEGUARD_TEST_POSTGRES_URL is not set")
    out, explain = tmp_path / "perf.json", tmp_path / "explain.md"
    args = ["bench", "inbox", "--clues", "120", "--runs", "3", "--backend", backend, "--seed", seed,
            "--json", str(out), "--explain", str(explain)]
    if backend == "postgres":
        args += ["--postgres-url", PG_URL]
    result = CliRunner().invoke(main, args, obj=Config(data_dir=tmp_path))
    assert result.exit_code == 0, result.output
    rows = _rows(out)
    for role in ("unit head", "intake clerk"):
        for page in PAGES:
            row = rows[f"{page} ({role}) [{backend}, 120 clues]"]
            assert row["n"] == 3 and float(row["p95_ms"]) > 0  # type: ignore[arg-type]
    if backend == "postgres":
        text = explain.read_text()
        assert text.count("### ") == 6 and "actual time=" in text


def test_bench_served_reaches_every_figure(tmp_path: Path) -> None:
    """One short repetition through gunicorn with production Argon2id: every row, no dropped request."""
    out = tmp_path / "perf.json"
    result = CliRunner().invoke(main, ["bench", "served", "--clients", "2", "--seconds", "1", "--repeat", "1",
                                       "--json", str(out)], obj=Config(data_dir=tmp_path))
    assert result.exit_code == 0, result.output
    rows = _rows(out)
    served = next(r for name, r in rows.items() if name.startswith("served intake, 2 clients"))
    assert int(served["n"]) > 0 and served["note"] == "0 errors"  # type: ignore[call-overload]
    assert float(served["ratio"]) > 0  # type: ignore[arg-type]
    cheap = rows["cheap pages during flat-out intake (sqlite)"]
    assert int(cheap["n"]) > 0 and cheap["meets"] is not None  # type: ignore[call-overload]
    assert any(name.startswith("Argon2id alone") for name in rows)
    assert rows["one Argon2id run (receipt), CPU (sqlite)"]["n"] == 20  # before and after the load


def test_bench_bot_walks_a_whole_report(tmp_path: Path) -> None:
    """The bot bench speaks the conversation as the bot now asks it (buttons carry a nonce)."""
    from benchmarks.bot import PEERS

    if shutil.which("node") is None or not (PEERS / "node_modules" / "telegram-test-api").is_dir():
        pytest.skip("the Bot API emulator needs Node.js and `make peers`")
    out = tmp_path / "perf.json"
    result = CliRunner().invoke(main, ["bench", "bot", "--rounds", "1", "--json", str(out)],
                                obj=Config(data_dir=tmp_path))
    assert result.exit_code == 0, result.output
    rows = _rows(out)
    assert rows["bot round trip: submit → receipt"]["n"] == 1
    assert rows["bot round trip: /help answered"]["n"] == 1


def test_bench_evidence_cleans_a_video_and_a_photo(tmp_path: Path) -> None:
    out = tmp_path / "perf.json"
    result = CliRunner().invoke(main, ["bench", "evidence", "--mb", "1", "--rounds", "1", "--json", str(out)],
                                obj=Config(data_dir=tmp_path))
    assert result.exit_code == 0, result.output
    names = list(_rows(out))
    assert any(n.startswith("clean a 1.") and "video" in n for n in names)
    assert any("12-megapixel photo" in n for n in names)


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_bench_linking_reaches_every_figure(tmp_path: Path, backend: str) -> None:
    """Two small sizes (the bulk seed, the real search finding the 11 clues), the ratio, the index
    time a clue adds and the rebuild rate; the million is docs/performance.md's, never a test's."""
    if backend == "postgres" and not PG_URL:
        pytest.skip("CLUEGUARD_TEST_POSTGRES_URL is not set")
    out, explain = tmp_path / "perf.json", tmp_path / "explain.md"
    args = ["bench", "linking", "--sizes", "300,600", "--real", "40", "--runs", "2", "--backend", backend,
            "--json", str(out), "--explain", str(explain)]
    if backend == "postgres":
        args += ["--postgres-url", PG_URL]
    result = CliRunner().invoke(main, args, obj=Config(data_dir=tmp_path))
    assert result.exit_code == 0, result.output
    rows = _rows(out)
    db = "postgresql" if backend == "postgres" else "sqlite"
    for size in ("300", "600"):
        for who in ("the clerk reading all 11 hits", "another unit's clerk, flagged"):
            row = rows[f"search by name, {who} [{db}, {size} clues]"]
            assert row["n"] == 2 and row["meets"] is not None
    assert rows[f"search p95 600 / 300 clues, clerk [{backend}]"]["ratio"] is not None
    assert float(rows[f"index rebuild, clues through intake [{backend}]"]["rate_per_s"]) > 0  # type: ignore[arg-type]
    assert rows[f"index a new clue (catch-up of one) [{db}, 600 clues]"]["n"] == 20
    assert explain.exists() == (backend == "postgres")
    if backend == "postgres":
        assert "actual time=" in explain.read_text()


@pytest.mark.postgres
def test_bench_served_through_nginx_as_the_public_role(tmp_path: Path) -> None:
    """The production layout (nginx, TLS, the public role): every request answered, and the ratio
    to Argon2id alone at once beside the bound."""
    from benchmarks.layout import NGINX
    from tests.conftest import PG_URL

    if NGINX is None or not PG_URL:
        pytest.skip("needs Debian's nginx and CLUEGUARD_TEST_POSTGRES_URL")
    out = tmp_path / "perf.json"
    result = CliRunner().invoke(main, ["bench", "served", "--nginx", "--postgres-url", PG_URL, "--clients", "2",
                                       "--seconds", "1", "--repeat", "1", "--json", str(out)],
                                obj=Config(data_dir=tmp_path))
    assert result.exit_code == 0, result.output
    rows = _rows(out)
    served = next(r for name, r in rows.items() if name.startswith("served intake, 2 clients"))
    assert "nginx, public role" in next(n for n in rows if n.startswith("served intake, 2 clients"))
    assert int(served["n"]) > 0 and served["note"] == "0 errors"  # type: ignore[call-overload]
    alone = next(r for name, r in rows.items() if name.startswith("served intake ÷ Argon2id alone"))
    assert float(alone["ratio"]) > 0  # type: ignore[arg-type]


def test_bench_served_through_nginx_needs_postgres(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["bench", "served", "--nginx"], obj=Config(data_dir=tmp_path))
    assert result.exit_code == 2 and "--postgres-url" in result.output


def test_bench_is_offered_only_where_the_benchmarks_package_is(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """An installed wheel has no benchmarks/ beside web/: no `bench` there, and nothing breaks."""
    main_module = sys.modules["web.cli.main"]  # `web.cli.main` names the group: web/cli exports it
    assert "bench" in CliRunner().invoke(main, ["--help"], obj=Config(data_dir=tmp_path)).output
    monkeypatch.setattr(main_module, "CHECKOUT", tmp_path)
    result = CliRunner().invoke(main, ["--help"], obj=Config(data_dir=tmp_path))
    assert result.exit_code == 0 and " bench " not in result.output and " serve " in result.output
    result = CliRunner().invoke(main, ["bench", "table", "x.json"], obj=Config(data_dir=tmp_path))
    assert result.exit_code == 2 and "No such command 'bench'" in result.output


def test_the_wheel_leaves_the_benchmarks_out() -> None:
    """pyproject's package list, as setuptools reads it: the four packages, never benchmarks/."""
    import tomllib

    from setuptools import find_packages

    root = Path(__file__).resolve().parents[1]
    include = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]["include"]
    packages = find_packages(str(root), include=include)
    assert "web.cli" in packages and "models.reporting" in packages
    assert not [p for p in packages if p.split(".")[0] not in {"bot", "web", "vault", "models"}]


def test_clueguard_starts_without_loading_the_benchmarks() -> None:
    """Only `bench` (and the root --help, for its one line) imports the package."""
    script = ("import sys; from web.cli.main import main; main(['totp', '--help'], standalone_mode=False); "
              "print(sorted(m for m in sys.modules if m.split('.')[0] == 'benchmarks'))")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[1], env={**os.environ, "CLUEGUARD_DATA_DIR": "/x"})
    assert out.stdout.strip().endswith("[]"), out.stdout


def test_bench_bot_finds_the_emulator_where_it_is_told(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """--peers / CLUEGUARD_BENCH_PEERS, not a path into tests/ worked out from the file's place."""
    monkeypatch.setenv("CLUEGUARD_BENCH_PEERS", str(tmp_path))
    result = CliRunner().invoke(main, ["bench", "bot", "--rounds", "1"], obj=Config(data_dir=tmp_path))
    assert result.exit_code == 1 and "needs Node.js and `make peers`" in result.output
