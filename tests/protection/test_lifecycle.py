"""Custodian lifecycle (R24): passphrase change, add, retire, change k; CLI and page."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import select

import vault
from models.identities.sealing import vault_threshold
from models.identities.tables import Custodian, IdentityShare
from models.protection import custodian_lifecycle as life
from models.protection import disclosure, unseal
from models.store.errors import InvalidInput
from tests.protection.conftest import IDENTITY, approve_by, file_request

TWO = {"keeper1": "passphrase-of-keeper-1", "keeper2": "passphrase-of-keeper-2"}


def _open_with(rt, clue, passphrases: dict[str, str]) -> dict[str, object]:
    """Open an identity straight from the vault with custodians' passphrases (what k custodians can do)."""
    import json

    from models.identities.tables import SealedIdentityRow

    with rt.stores.vault() as vs:
        row = vs.scalar(select(SealedIdentityRow).where(SealedIdentityRow.report_id == clue.report_id))
        custodians = {c.username: c for c in vs.scalars(select(Custodian))}
        shares = [vault.CustodianShare(custodians[n].id, vs.get(IdentityShare, (row.id, custodians[n].id)).sealed_share,
                                       custodians[n].wrapped_key, p) for n, p in passphrases.items()]
        fields = json.loads(vault.open_identity(row.ciphertext, clue.report_id, shares))
        fields.pop("addition_key", None)  # the key follow-ups seal their files' metadata to
        return fields


def test_passphrase_change_rewraps_and_old_one_stops_working(staff_rt, clue, keepers, officer, custodians) -> None:
    with pytest.raises(unseal.WrongPassphrase):
        life.change_passphrase(staff_rt, "keeper1", "not my passphrase", "a new long passphrase")
    with pytest.raises(InvalidInput):
        life.change_passphrase(staff_rt, "keeper1", custodians["keeper1"], "short")
    life.change_passphrase(staff_rt, "keeper1", custodians["keeper1"], "a new long passphrase")
    rid = file_request(staff_rt, officer, clue)
    with pytest.raises(unseal.WrongPassphrase):
        unseal.approve_unseal(staff_rt, keepers["keeper1"], rid, custodians["keeper1"])
    assert unseal.approve_unseal(staff_rt, keepers["keeper1"], rid, "a new long passphrase") == "pending"


def test_add_a_custodian_and_raise_k(staff_rt, make_staff, clue) -> None:
    make_staff("keeper4", "custodian", unit=None)
    done = life.add_custodian(staff_rt, "admin", "keeper4", "passphrase-of-keeper-4", TWO, threshold=3)
    assert (done.identities, done.threshold, done.added) == (1, 3, ["keeper4"])
    assert vault_threshold(staff_rt.stores) == 3
    with pytest.raises(vault.VaultError):
        _open_with(staff_rt, clue, TWO)  # two are no longer enough
    assert _open_with(staff_rt, clue, {**TWO, "keeper4": "passphrase-of-keeper-4"}) == IDENTITY


def test_retire_a_custodian_erases_their_key_and_shares(staff_rt, clue, custodians) -> None:
    done = life.retire_custodian(staff_rt, "admin", "keeper3", TWO)
    assert done.retired == ["keeper3"] and done.custodians == ["keeper1", "keeper2"]
    assert life.holds_shares(staff_rt, "keeper3") == 0
    with staff_rt.stores.vault() as vs:
        gone = vs.scalar(select(Custodian).where(Custodian.username == "keeper3"))
        assert (gone.active, gone.wrapped_key) == (False, b"")
    assert _open_with(staff_rt, clue, TWO) == IDENTITY


@pytest.mark.parametrize(("approvals", "error"), [
    ({"keeper1": TWO["keeper1"]}, life.NotEnoughApprovers),
    ({"keeper1": TWO["keeper1"], "keeper2": "wrong passphrase!"}, unseal.WrongPassphrase),
])
def test_redeal_needs_k_correct_passphrases(staff_rt, clue, approvals, error) -> None:
    with pytest.raises(error):
        life.change_threshold(staff_rt, "admin", 3, approvals)
    assert vault_threshold(staff_rt.stores) == 2
    assert _open_with(staff_rt, clue, TWO) == IDENTITY


def test_redeal_waits_for_open_requests(staff_rt, officer, clue) -> None:
    file_request(staff_rt, officer, clue)
    with pytest.raises(life.RedealBlocked):
        life.retire_custodian(staff_rt, "admin", "keeper3", TWO)


def test_a_custodian_holding_shares_cannot_be_deactivated(staff_rt, clue) -> None:
    with pytest.raises(life.HoldsShares):
        life.deactivate_custodian_account(staff_rt, "admin", "keeper3")
    life.retire_custodian(staff_rt, "admin", "keeper3", TWO)
    life.deactivate_custodian_account(staff_rt, "admin", "keeper3")


def test_after_redeal_the_workflow_still_opens(staff_rt, officer, clue, keepers, custodians) -> None:
    life.retire_custodian(staff_rt, "admin", "keeper3", TWO)
    rid = file_request(staff_rt, officer, clue)
    approve_by(staff_rt, keepers, custodians, rid, "keeper1", "keeper2")
    assert disclosure.open_unsealed_identity(staff_rt, officer.id, rid, officer.password).fields == IDENTITY


def test_cli_passphrase_redeal_and_cleanup(staff_rt, config, clue, make_staff) -> None:
    from models.staff.accounts import accept_pledge, find_staff
    from web.cli.main import main

    runner = CliRunner()
    stale = runner.invoke(main, ["vault", "passphrase", "keeper1"], obj=config,
                          input="passphrase-of-keeper-1\nanother long passphrase\n")
    assert stale.exit_code != 0 and "undertaking" in stale.output  # a person's act needs the pledge (R30)
    for name in ("keeper1", "keeper2"):
        accept_pledge(staff_rt, find_staff(staff_rt, name).id)
    changed = runner.invoke(main, ["vault", "passphrase", "keeper1"], obj=config,
                            input="passphrase-of-keeper-1\nanother long passphrase\n")
    assert changed.exit_code == 0, changed.output
    wrong = runner.invoke(main, ["vault", "passphrase", "keeper2"], obj=config, input="nope\nanother long one!\n")
    assert wrong.exit_code != 0 and "wrong" in wrong.output
    make_staff("keeper4", "custodian", unit=None)
    dealt = runner.invoke(main, ["vault", "redeal", "--custodians", "keeper1,keeper2,keeper4", "-k", "2",
                                 "--approver", "keeper1", "--approver", "keeper2", "--new", "keeper4"], obj=config,
                          input="another long passphrase\npassphrase-of-keeper-2\npassphrase-of-keeper-4\n")
    assert dealt.exit_code == 0, dealt.output
    assert "added keeper4" in dealt.output and "retired keeper3" in dealt.output
    assert _open_with(staff_rt, clue, {"keeper2": "passphrase-of-keeper-2", "keeper4": "passphrase-of-keeper-4"}) \
        == IDENTITY
    cleaned = runner.invoke(main, ["vault", "cleanup"], obj=config)
    assert cleaned.exit_code == 0 and "expired 0" in cleaned.output


def test_redeal_page_for_admins_only(staff_app, staff_rt, make_staff, sign_in, clue, custodian_users) -> None:
    admin = sign_in(make_staff("admin1", "admin", unit=None))
    assert sign_in(custodian_users["keeper1"]).get("/vault/redeal").status_code == 403
    response = admin.post("/vault/redeal", {
        "custodians": "keeper1 keeper2", "threshold": "2",
        "approver": ["keeper1", "keeper2"], "approver_passphrase": [TWO["keeper1"], TWO["keeper2"]],
        "new_custodian": [""], "new_passphrase": [""]}, follow_redirects=True)
    assert response.status_code == 200
    assert life.current_custodians(staff_rt) == ["keeper1", "keeper2"]


def test_passphrase_page(staff_app, sign_in, custodian_users, staff_rt) -> None:
    keeper = sign_in(custodian_users["keeper1"])
    bad = keeper.post("/vault/passphrase", {"old": "wrong one", "new": "a long new passphrase",
                                            "repeat": "a long new passphrase"})
    assert bad.status_code == 400
    ok = keeper.post("/vault/passphrase", {"old": TWO["keeper1"], "new": "a long new passphrase",
                                           "repeat": "a long new passphrase"})
    assert ok.status_code == 302
