"""`clueguard vault upgrade` (R32): a store filled before the change, upgraded in place, with
interruptions, on SQLite and PostgreSQL; then every clue, message, file and identity opens again,
and a store marked hybrid refuses classical keys and values."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass

import pytest
from click.testing import CliRunner
from PIL import Image
from sqlalchemy import select

import vault
from models.audit.checkpoint import add_key, current_key
from models.audit.tables import AuditEvent
from models.cases import casework
from models.datadir import hybrid_upgrade
from models.identities.sealing import store_identity
from models.identities.tables import Custodian, IdentityShare, SealedIdentityRow
from models.protection.custodians import run_ceremony
from models.reporting import intake
from models.reporting.files import Upload
from models.reporting.tables import DataKey, Report
from models.store import keys
from models.store.config import Config
from models.store.db import Stores
from models.store.keys import KeyFileError
from models.store.runtime import Runtime, open_runtime, stored_suite
from tests.conftest import StaffUser, submission

KEEPERS = {f"keeper{i}": f"passphrase-of-keeper-{i}" for i in range(1, 4)}
IDENTITY = {"name": "升级前的举报人", "phone": "13700000000"}


def _legacy_receipt_keys(code: str, salt: bytes, params: vault.Argon2Params) -> vault.ReceiptKeys:
    keys_ = _REAL_DERIVE(code, salt, params)
    return vault.ReceiptKeys(keys_.lookup, keys_.classical_private, keys_.classical_public,
                             keys_.classical_private, keys_.classical_public)


_REAL_DERIVE = vault.derive_receipt_keys


@dataclass
class OldSite:
    config: Config
    stores: Stores
    clerk: StaffUser
    auditor: StaffUser
    receipts: list[intake.Receipt]


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 10, 10)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def old_site(config: Config, stores: Stores, staff_rt: Runtime, make_staff,  # type: ignore[no-untyped-def]
             monkeypatch: pytest.MonkeyPatch) -> OldSite:
    """A site as the code before R32 left it: every key classical, every value sealed classically."""
    with monkeypatch.context() as before:
        before.setattr(vault._seal, "generate_private", vault._seal.generate_classical_private)
        before.setattr(vault._seal, "hybrid_signing_generate", vault._seal.ed25519_generate)
        before.setattr(vault, "derive_receipt_keys", _legacy_receipt_keys)
        for name in (keys.PRIVATE_FILE, keys.PUBLIC_FILE):
            (config.keys_dir / name).unlink()
        keys.generate_intake_key(config)
        public = open_runtime(config, staff_side=False, stores=stores)
        staff = open_runtime(config, staff_side=True, stores=stores)
        clerk = make_staff("clerk", "intake")
        auditor = make_staff("auditor1", "auditor", unit=None)
        for name in KEEPERS:
            make_staff(name, "custodian", unit=None)
        run_ceremony(staff, 2, list(KEEPERS.items()))
        with stores.case() as cs:
            add_key(cs, "auditor1", "auditor passphrase!", config.argon2)
        receipts = [
            intake.submit_report(public, submission(identity=dict(IDENTITY), files=[Upload("a.png", _png())])),
            intake.submit_report(public, submission(identity={**IDENTITY, "name": "第二位"})),
            intake.submit_report(public, submission(description="匿名线索，没有身份。")),
        ]
        casework.reply_to_reporter(staff, clerk.id, receipts[0].report_id, "收到，请补充。")
        intake.add_follow_up(public, receipts[0].code, "补充：十月三日。")
    return OldSite(config, stores, clerk, auditor, receipts)


def _suites(stores: Stores) -> tuple[set[str], set[str], set[str]]:
    with stores.case() as cs:
        data_keys = {vault.sealed_suite(s) for s in cs.scalars(select(DataKey.sealed))}
    with stores.vault() as vs:
        shares = {vault.sealed_suite(s) for s in vs.scalars(select(IdentityShare.sealed_share))}
        custodian_keys = {vault.key_suite(k) for k in vs.scalars(select(Custodian.public_key))}
    return data_keys, shares, custodian_keys


def _open_identity(stores: Stores, report_id: str, who: dict[str, str]) -> dict[str, str]:
    with stores.vault() as vs:
        row = vs.scalar(select(SealedIdentityRow).where(SealedIdentityRow.report_id == report_id))
        custodians = {c.username: c for c in vs.scalars(select(Custodian))}
        shares = [vault.CustodianShare(custodians[n].id, vs.get(IdentityShare, (row.id, custodians[n].id)).sealed_share,
                                       custodians[n].wrapped_key, p) for n, p in who.items()]
        fields = json.loads(vault.open_identity(row.ciphertext, report_id, shares))
        fields.pop("addition_key", None)  # the key follow-ups seal their files' metadata to
        return fields


class Interrupted(Exception):
    """Stands for a killed process (Ctrl-C, a power cut) in the middle of a stage."""


def _stop_at(stage: str, after: int):  # type: ignore[no-untyped-def]
    def progress(name: str, done: int, total: int) -> None:
        if name == stage and done >= after:
            raise Interrupted
    return progress


def test_upgrade_interrupted_twice_then_everything_opens(old_site: OldSite) -> None:
    config, stores = old_site.config, old_site.stores
    assert _suites(stores) == ({vault.CLASSICAL}, {vault.CLASSICAL}, {vault.CLASSICAL})
    rt = open_runtime(config, staff_side=True, stores=stores)

    with pytest.raises(Interrupted):  # killed after the first batch of data keys
        hybrid_upgrade.upgrade_store(rt, KEEPERS, progress=_stop_at("intake", 1), batch=1)
    assert len(_suites(stores)[0]) == 2  # some re-sealed, some not yet
    assert (config.keys_dir / keys.NEXT_PRIVATE_FILE).exists()
    assert vault.key_suite(keys.load_intake_private(config)) == vault.CLASSICAL

    rt = open_runtime(config, staff_side=True, stores=stores)
    with pytest.raises(Interrupted):  # resumed, then killed after the first identity
        hybrid_upgrade.upgrade_store(rt, KEEPERS, progress=_stop_at("identities", 1), batch=2)
    data_keys, shares, custodian_keys = _suites(stores)
    assert data_keys == {vault.HYBRID} and shares == {vault.CLASSICAL, vault.HYBRID}
    assert custodian_keys == {vault.CLASSICAL}  # the new keys wait in next_*, the old still open
    assert stored_suite(stores) is None

    rt = open_runtime(config, staff_side=True, stores=stores)
    done = hybrid_upgrade.upgrade_store(rt, KEEPERS, {"auditor1": "auditor passphrase!"})
    assert (done.identities, done.custodians, done.auditors) == (1, 3, ["auditor1"])
    assert _suites(stores) == ({vault.HYBRID}, {vault.HYBRID}, {vault.HYBRID})
    assert stored_suite(stores) == vault.HYBRID
    # the old private material is gone: the old intake key file, the custodians' old wrapped keys
    assert not any((config.keys_dir / n).exists()
                   for n in (keys.NEXT_PRIVATE_FILE, keys.NEXT_PUBLIC_FILE, keys.RETIRED_PRIVATE_FILE))
    assert vault.key_suite(keys.load_intake_private(config)) == vault.HYBRID
    with stores.vault() as vs:
        assert all(c.next_public_key is None and c.next_wrapped_key is None for c in vs.scalars(select(Custodian)))
    with stores.case() as cs:
        assert vault.signing_key_suite(current_key(cs, "auditor1").public_key) == vault.HYBRID

    # every clue, message, file and identity opens again, with the new keys
    staff = open_runtime(config, staff_side=True, stores=stores)
    public = open_runtime(config, staff_side=False, stores=stores)
    first = old_site.receipts[0]
    case = casework.open_case(staff, old_site.clerk.id, first.report_id)
    assert case.clue["description"] == "村里有人强占集体土地，殴打村民。"
    assert [m.text for m in case.messages] == ["收到，请补充。", "补充：十月三日。"]
    [photo] = case.files
    data = casework.open_attachment(staff, old_site.clerk.id, photo.id)[2]
    assert data.startswith(b"\x89PNG")
    assert casework.open_case(staff, old_site.clerk.id, old_site.receipts[2].report_id).clue["description"] \
        == "匿名线索，没有身份。"
    status = intake.reporter_status(public, first.code)  # the reporter's copies: still their v1 key
    assert [m.text for m in status.messages] == ["收到，请补充。", "补充：十月三日。"]
    two = {"keeper1": KEEPERS["keeper1"], "keeper3": KEEPERS["keeper3"]}
    assert _open_identity(stores, first.report_id, two) == IDENTITY
    assert _open_identity(stores, old_site.receipts[1].report_id, two)["name"] == "第二位"

    # what comes in now is hybrid all through, the reporter's key included
    fresh = intake.submit_report(public, submission(identity=dict(IDENTITY)))
    with stores.case() as cs:
        assert vault.key_suite(cs.get(Report, fresh.report_id).reporter_public_key) == vault.HYBRID
    assert _open_identity(stores, fresh.report_id, two) == IDENTITY
    # and running it again finds nothing left to do
    again = hybrid_upgrade.upgrade_store(staff, KEEPERS, {"auditor1": "auditor passphrase!"})
    assert (again.data_keys, again.identities, again.custodians, again.auditors) == (0, 0, 0, [])


def test_upgrade_needs_every_custodian_and_right_passphrases(old_site: OldSite) -> None:
    rt = open_runtime(old_site.config, staff_side=True, stores=old_site.stores)
    two = {"keeper1": KEEPERS["keeper1"], "keeper2": KEEPERS["keeper2"]}
    with pytest.raises(hybrid_upgrade.PassphrasesMissing):
        hybrid_upgrade.upgrade_store(rt, two)
    with pytest.raises(hybrid_upgrade.WrongPassphrase):
        hybrid_upgrade.upgrade_store(rt, {**KEEPERS, "keeper3": "not the passphrase at all"})
    with old_site.stores.vault() as vs:  # nothing of the custodians' changed
        assert all(c.next_public_key is None for c in vs.scalars(select(Custodian)))
    with old_site.stores.case() as cs:  # each refusal is audited (R23)
        refusals = cs.scalars(select(AuditEvent.event).where(AuditEvent.event == "vault.upgrade_refused")).all()
        assert len(refusals) == 2
    assert _open_identity(old_site.stores, old_site.receipts[0].report_id, two) == IDENTITY


def test_cli_upgrade_shows_progress_and_resumes(old_site: OldSite, staff_rt: Runtime) -> None:
    from models.staff.accounts import accept_pledge, find_staff
    from web.cli.main import main

    for name in (*KEEPERS, "auditor1"):
        accept_pledge(staff_rt, find_staff(staff_rt, name).id)
    args = ["vault", "upgrade", *(f"--custodian={n}" for n in KEEPERS), "--auditor=auditor1"]
    stdin = "".join(p + "\n" for p in KEEPERS.values()) + "auditor passphrase!\n"
    result = CliRunner().invoke(main, args, obj=old_site.config, input=stdin)
    assert result.exit_code == 0, result.output
    assert "re-sealing intake" in result.output and "re-sealing identities" in result.output
    assert "re-sealed 5 data keys" in result.output and "2 identities to 3 new custodian keys" in result.output
    again = CliRunner().invoke(main, args, obj=old_site.config, input=stdin)
    assert again.exit_code == 0 and "re-sealed 0 data keys" in again.output


# --- a store marked hybrid refuses the classical suite (the downgrade rule) -----------------

@pytest.fixture
def hybrid_site(old_site: OldSite) -> OldSite:
    rt = open_runtime(old_site.config, staff_side=True, stores=old_site.stores)
    hybrid_upgrade.upgrade_store(rt, KEEPERS)
    return old_site


def test_a_hybrid_store_refuses_a_classical_custodian_key(hybrid_site: OldSite) -> None:
    stores = hybrid_site.stores
    with stores.vault() as vs:
        row = vs.scalar(select(Custodian).where(Custodian.username == "keeper2"))
        row.public_key = vault._seal.public_of(vault._seal.generate_classical_private())
    with pytest.raises(vault.VaultError) as info:
        store_identity(stores, "report-x", dict(IDENTITY))
    assert str(info.value) == "cannot open"
    with stores.vault() as vs:
        assert vs.scalar(select(SealedIdentityRow).where(SealedIdentityRow.report_id == "report-x")) is None


def test_a_hybrid_store_refuses_a_classical_intake_key_file(hybrid_site: OldSite) -> None:
    config = hybrid_site.config
    (config.keys_dir / keys.PUBLIC_FILE).write_bytes(vault._seal.public_of(vault._seal.generate_classical_private()))
    with pytest.raises(KeyFileError, match="hybrid"):
        open_runtime(config, staff_side=False, stores=hybrid_site.stores)


def test_a_hybrid_store_refuses_a_classical_data_key(hybrid_site: OldSite) -> None:
    """Whoever can write the database seals a classical data key to the X25519 half of the
    intake key (public): the staff side refuses it with the one opaque error."""
    config, stores = hybrid_site.config, hybrid_site.stores
    report_id = hybrid_site.receipts[2].report_id
    intake_public = keys.load_intake_public(config)
    x25519_half = intake_public[-32:]
    with stores.case() as cs:
        row = cs.scalars(select(DataKey).where(DataKey.report_id == report_id)).first()
        forged = vault.new_data_key(x25519_half, intake.data_key_context(report_id, row.id))
        row.sealed = forged.sealed
    staff = open_runtime(config, staff_side=True, stores=stores)
    with pytest.raises(vault.VaultError) as info:
        casework.open_case(staff, hybrid_site.clerk.id, report_id)
    assert str(info.value) == "cannot open"


# --- the auditor's old Ed25519 key after the upgrade (R32 for checkpoints) ------------------

def _cli(config: Config, *args: str, stdin: str = ""):  # type: ignore[no-untyped-def]
    from web.cli.main import main

    return CliRunner().invoke(main, list(args), obj=config, input=stdin)


def _sign_checkpoint(config: Config):  # type: ignore[no-untyped-def]
    return _cli(config, "audit", "checkpoint", "--auditor=auditor1", "--passphrase-stdin",
                stdin="auditor passphrase!\n")


def test_a_hybrid_store_refuses_to_sign_with_a_classical_auditor_key(old_site: OldSite, staff_rt: Runtime) -> None:
    from models.staff.accounts import accept_pledge, find_staff

    accept_pledge(staff_rt, find_staff(staff_rt, "auditor1").id)
    before = _sign_checkpoint(old_site.config)
    assert before.exit_code == 0, before.output  # a classical store: the Ed25519 key still signs
    hybrid_upgrade.upgrade_store(staff_rt, KEEPERS)  # the auditor was not upgraded
    refused = _sign_checkpoint(old_site.config)
    assert refused.exit_code != 0
    assert "Ed25519 only" in refused.output and "vault upgrade --auditor" in refused.output
    with old_site.stores.case() as cs:
        last = cs.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1))
        assert (last.event, last.detail["reason"]) == ("audit.checkpoint_refused", "ClassicalKey")
    # The checkpoint signed before the upgrade still verifies: it was honest when it was made.
    verified = _cli(old_site.config, "audit", "verify")
    assert verified.exit_code == 0, verified.output
    hybrid_upgrade.upgrade_store(staff_rt, KEEPERS, {"auditor1": "auditor passphrase!"})
    assert _sign_checkpoint(old_site.config).exit_code == 0


def test_verify_refuses_a_classical_checkpoint_made_after_the_upgrade(hybrid_site: OldSite) -> None:
    """An old build, or anyone with the old key's passphrase, signs over the upgrade with Ed25519 alone."""
    from models.audit import checkpoint
    from models.audit.tables import AuditCheckpoint, AuditHead
    from models.store.db import utcnow

    with hybrid_site.stores.case() as cs:
        key = current_key(cs, "auditor1")
        assert vault.signing_key_suite(key.public_key) == vault.CLASSICAL
        head = cs.get(AuditHead, 1)
        cp = AuditCheckpoint(at=utcnow(), auditor="auditor1", fingerprint=key.fingerprint,
                             last_id=head.last_id, last_hash=head.last_hash, signature=b"")
        cp.signature = vault.sign_checkpoint(key.wrapped_key, "auditor passphrase!", checkpoint.PURPOSE,
                                             checkpoint._message(cp))
        assert vault.verify_checkpoint(key.public_key, checkpoint._message(cp), cp.signature)
        cs.add(cp)
    result = _cli(hybrid_site.config, "audit", "verify")
    assert result.exit_code == 1
    assert "signed by an Ed25519-only key after the store became hybrid" in result.output
