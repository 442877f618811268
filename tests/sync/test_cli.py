"""``clueguard init --role`` and ``clueguard sync``: set-up, pairing, files, status, refusals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import vault
from models.cases import casework
from models.reporting import intake
from models.staff.accounts import add_staff
from models.store.config import Config, config_from_env
from models.store.db import Stores
from models.store.keys import KeyFileError
from models.store.locks import job_lock
from models.store.runtime import open_runtime
from tests.conftest import PASSWORD, submission
from web.cli.main import main


def _cli(config: Config):  # type: ignore[no-untyped-def]
    runner = CliRunner()

    def run(*args: str, stdin: str = "") -> object:
        return runner.invoke(main, list(args), input=stdin, obj=config, catch_exceptions=False)

    return run


@pytest.fixture
def two(tmp_path: Path):  # type: ignore[no-untyped-def]
    intake_cfg = Config(data_dir=tmp_path / "intake", argon2=vault.CHEAP, role="intake")
    internal_cfg = Config(data_dir=tmp_path / "internal", argon2=vault.CHEAP, role="internal")
    a, b = _cli(intake_cfg), _cli(internal_cfg)
    assert a("init", "--role", "intake").exit_code == 0
    assert b("init", "--role", "internal").exit_code == 0
    return tmp_path, a, b


def test_init_role_sets_up_each_node_for_what_it_is(two) -> None:
    tmp_path, a, b = two
    assert not (tmp_path / "intake" / "keys" / "intake.key").exists()
    assert (tmp_path / "internal" / "keys" / "intake.key").exists()
    assert config_from_env({"CLUEGUARD_DATA_DIR": str(tmp_path / "intake")}).role == "intake"
    assert config_from_env({"CLUEGUARD_DATA_DIR": str(tmp_path / "x")}).role == "single"
    again = _cli(Config(data_dir=tmp_path / "intake"))("init", "--role", "internal")
    assert again.exit_code != 0 and "was set up as a 'intake' node" in again.output


def test_an_intake_node_is_not_made_from_a_site_with_the_private_key(tmp_path: Path) -> None:
    run = _cli(Config(data_dir=tmp_path / "site", argon2=vault.CHEAP))
    assert run("init").exit_code == 0
    result = _cli(Config(data_dir=tmp_path / "site"))("init", "--role", "intake")
    assert result.exit_code != 0 and "must not hold" in result.output


def test_an_intake_node_has_no_staff_side_whatever_the_settings_say(two) -> None:
    tmp_path, _a, _b = two
    for role in ("intake", "single"):  # the data directory's own role counts too
        with pytest.raises(KeyFileError, match="no staff side"):
            open_runtime(Config(data_dir=tmp_path / "intake", role=role), staff_side=True)


def test_pair_export_import_status(two) -> None:
    tmp_path, a, b = two
    key_a, key_b = a("sync", "key").stdout.strip(), b("sync", "key").stdout.strip()
    assert len(key_a) == 2 * (4 + 32 + 1952) and key_a != key_b  # hybrid: CGD1, Ed25519, ML-DSA-65 (R32)
    assert a("sync", "pair", "--yes", key_b).exit_code == 0
    assert b("sync", "pair", "--yes", key_a).exit_code == 0
    assert a("sync", "pair", "--yes", "not-hex").exit_code != 0
    out = b("sync", "export", str(tmp_path / "down"))
    assert out.exit_code == 0 and "down-000001.cgsync" in out.output
    imported = a("sync", "import", str(tmp_path / "down"))
    assert imported.exit_code == 0 and "batch 1 imported" in imported.output
    twice = a("sync", "import", str(tmp_path / "down"))
    assert twice.exit_code == 1 and "already applied" in twice.output
    cfg = Config(data_dir=tmp_path / "intake", argon2=vault.CHEAP, role="intake")
    intake.submit_report(open_runtime(cfg, staff_side=False), submission())
    assert a("sync", "export", str(tmp_path / "up")).exit_code == 0
    got = b("sync", "import", str(tmp_path / "up" / "up-000001.cgsync"))
    assert got.exit_code == 0 and "1 item(s)" in got.output
    status = b("sync", "status").output
    assert "up: applied 1 batch(es)" in status and "down: sent 1 batch(es)" in status


def test_sync_run_needs_an_address_and_the_right_role(two) -> None:
    _tmp, a, b = two
    assert "no intake node URL" in b("sync", "run").output
    assert "runs on the internal node" in a("sync", "run", "--url", "http://127.0.0.1:9").output
    unreachable = b("sync", "run", "--url", "http://127.0.0.1:9")
    assert unreachable.exit_code != 0 and "cannot reach the intake node" in unreachable.output


def test_the_public_side_of_an_intake_node_waits_for_the_first_sync(two) -> None:
    tmp_path, _a, _b = two
    with pytest.raises(KeyFileError, match="first `clueguard sync run`"):
        open_runtime(Config(data_dir=tmp_path / "intake", role="intake"), staff_side=False)


def test_a_rebuilt_intake_node_is_paired_again_and_syncs_from_batch_one(two) -> None:
    tmp_path, a, b = two
    assert a("sync", "pair", "--yes", b("sync", "key").stdout.strip()).exit_code == 0
    assert b("sync", "pair", "--yes", a("sync", "key").stdout.strip()).exit_code == 0
    assert b("sync", "export", str(tmp_path / "d1")).exit_code == 0
    assert a("sync", "import", str(tmp_path / "d1")).exit_code == 0
    new = _cli(Config(data_dir=tmp_path / "intake2", argon2=vault.CHEAP, role="intake"))
    assert new("init", "--role", "intake").exit_code == 0
    assert new("sync", "pair", "--yes", b("sync", "key").stdout.strip()).exit_code == 0
    refused = b("sync", "pair", "--yes", new("sync", "key").stdout.strip())
    assert refused.exit_code != 0 and "--replace" in refused.output
    replaced = b("sync", "pair", "--yes", "--replace", new("sync", "key").stdout.strip())
    assert replaced.exit_code == 0 and "start again at batch 1" in replaced.output
    assert "down-000001.cgsync" in b("sync", "export", str(tmp_path / "d2")).output
    assert new("sync", "import", str(tmp_path / "d2")).exit_code == 0


def _paired(tmp_path: Path, a, b) -> None:  # type: ignore[no-untyped-def]
    assert a("sync", "pair", "--yes", b("sync", "key").stdout.strip()).exit_code == 0
    assert b("sync", "pair", "--yes", a("sync", "key").stdout.strip()).exit_code == 0


def _one_clue_up(tmp_path: Path, a, b, name: str):  # type: ignore[no-untyped-def]
    """Keys down, a submission on the intake node, its batch imported inside."""
    assert a("sync", "import", *[str(p) for p in b("sync", "export", str(tmp_path / f"{name}-d")).output
                                 .replace("wrote ", "").split()]).exit_code == 0
    cfg = Config(data_dir=tmp_path / "intake", argon2=vault.CHEAP, role="intake")
    rt = open_runtime(cfg, staff_side=False)
    handed = intake.submit_report(rt, submission())
    rt.stores.dispose()
    assert a("sync", "export", str(tmp_path / f"{name}-u")).exit_code == 0
    return handed, b("sync", "import", str(tmp_path / f"{name}-u"))


def test_staff_see_pulled_clues_once_the_intake_office_is_named(two) -> None:
    tmp_path, a, b = two
    _paired(tmp_path, a, b)
    handed, imported = _one_clue_up(tmp_path, a, b, "first")
    assert imported.exit_code == 0 and "no unit is the intake office" in imported.output
    status = b("sync", "status", "--json")
    assert status.exit_code == 1 and "no intake office" in json.loads(status.output)["problems"][-1]
    named = b("init", "--role", "internal", "--intake-office", "受理科")
    assert named.exit_code == 0 and "intake office: 受理科" in named.output
    internal = Config(data_dir=tmp_path / "internal", argon2=vault.CHEAP, role="internal")
    staff_rt = open_runtime(internal, staff_side=True)
    clerk = add_staff(staff_rt, "clerk", "intake", "受理科", PASSWORD)
    assert [r.id for r in casework.list_inbox(staff_rt, clerk.staff_id).reports] == [handed.report_id]
    staff_rt.stores.dispose()
    assert "intake office: 受理科" in b("sync", "status").output


def test_init_of_an_internal_node_asks_for_the_intake_office(tmp_path: Path) -> None:
    run = _cli(Config(data_dir=tmp_path / "n", argon2=vault.CHEAP, role="internal"))
    result = run("init", "--role", "internal")
    assert result.exit_code == 0 and "no intake office yet" in result.output and "--intake-office UNIT" in result.output
    refused = _cli(Config(data_dir=tmp_path / "i", argon2=vault.CHEAP))("init", "--role", "intake",
                                                                        "--intake-office", "x")
    assert refused.exit_code != 0 and "an intake node has none" in refused.output


def test_status_json_tells_a_monitor_how_the_sync_stands(two) -> None:
    tmp_path, a, b = two
    never = b("sync", "status", "--json")
    assert never.exit_code == 2 and json.loads(never.output)["problems"][0] == "never synced"
    _paired(tmp_path, a, b)
    assert b("init", "--role", "internal", "--intake-office", "受理科").exit_code == 0
    _one_clue_up(tmp_path, a, b, "first")
    ok = b("sync", "status", "--json")
    figures = json.loads(ok.output)
    assert ok.exit_code == 0, figures
    assert figures["status"] == "ok" and figures["lag_seconds"] < 60 and figures["last_success"]
    assert figures["streams"]["up"]["applied"] == 1 and figures["streams"]["down"]["acknowledged"] == 1
    assert figures["waiting_here"]["unacked_batches"] == 0 and figures["oldest_unacked_seconds"] is None
    # The intake node's batch waits for the acknowledgement: its age is what a monitor watches.
    on_intake = json.loads(a("sync", "status", "--json", "--warn-unacked", "0").output)
    assert on_intake["waiting_here"]["unacked_batches"] == 1 and on_intake["status"] == "warning"
    assert a("sync", "status", "--json", "--warn-unacked", "0", "--crit-unacked", "0").exit_code == 2
    assert b("sync", "status", "--json", "--warn-lag", "0").exit_code == 1
    assert b("sync", "status", "--json", "--warn-lag", "0", "--crit-lag", "0").exit_code == 2


def test_overlapping_sync_runs_wait_their_turn_and_exit_0(two) -> None:
    tmp_path, _a, b = two
    internal = Config(data_dir=tmp_path / "internal", argon2=vault.CHEAP, role="internal")
    stores = Stores(internal.database_url, internal.vault_url)
    try:
        with job_lock(stores.case_engine, "sync-run", internal.data_dir / "locks") as got:
            assert got
            second = b("sync", "run", "--url", "http://127.0.0.1:9")
    finally:
        stores.dispose()
    assert second.exit_code == 0 and "skipped" in second.output
    alone = b("sync", "run", "--url", "http://127.0.0.1:9")
    assert alone.exit_code != 0 and "cannot reach" in alone.output


def test_sync_key_shows_a_fingerprint_and_pair_checks_it(two) -> None:
    """A hybrid key is 3 976 hex digits: operators compare the 32-digit fingerprint by voice."""
    _tmp, a, b = two
    shown = b("sync", "key")
    key_b = shown.stdout.strip()
    assert len(key_b) == 3976 and "fingerprint" not in shown.stdout  # stdout is the key alone
    spoken = shown.stderr.split("fingerprint: ")[1].split()[0]
    assert spoken == vault.key_fingerprint(bytes.fromhex(key_b)) and len(spoken.replace(":", "")) == 32
    # The other operator reads a different fingerprint (a key swapped on the way): nothing paired.
    other = a("sync", "key").stderr.split("fingerprint: ")[1].split()[0]
    wrong = a("sync", "pair", "--fingerprint", other, key_b)
    assert wrong.exit_code != 0 and "does not match" in wrong.output
    tmp_peer = _tmp / "intake" / "keys" / "sync-peer.pub"
    assert not tmp_peer.exists()
    declined = a("sync", "pair", key_b, stdin="n\n")
    assert declined.exit_code != 0 and spoken in declined.output and not tmp_peer.exists()
    # Read aloud in groups, spaces or colons, any case: the same fingerprint pairs.
    said = a("sync", "pair", "--fingerprint", spoken.upper().replace(":", " "), key_b)
    assert said.exit_code == 0 and spoken in said.output and tmp_peer.exists()
    assert b("sync", "pair", a("sync", "key").stdout.strip(), stdin="y\n").exit_code == 0
