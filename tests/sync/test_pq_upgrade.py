"""`clueguard vault upgrade` on a split deployment (R32, R26): the internal node upgrades, the
intake node receives the new hybrid keys through sync and seals to them from then on."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

import vault
from models.cases import casework
from models.datadir import hybrid_upgrade
from models.identities.tables import Custodian, IdentityShare
from models.reporting import intake
from models.reporting.tables import DataKey
from models.store.config import Config
from models.store.keys import load_intake_public
from models.store.runtime import stored_suite
from tests.conftest import submission
from tests.sync.conftest import KEEPERS, Nodes, close_pair, open_pair


def _legacy_receipt_keys(code: str, salt: bytes, params: vault.Argon2Params) -> vault.ReceiptKeys:
    k = _REAL_DERIVE(code, salt, params)
    return vault.ReceiptKeys(k.lookup, k.classical_private, k.classical_public, k.classical_private,
                             k.classical_public)


_REAL_DERIVE = vault.derive_receipt_keys


@pytest.fixture
def old_nodes(tmp_path: Path, backend: str, config: Config, request: pytest.FixtureRequest,
              monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Nodes, intake.Receipt]]:
    """Two nodes as the code before R32 set them up: every key classical (sync keys included)."""
    with monkeypatch.context() as before:
        before.setattr(vault._seal, "generate_private", vault._seal.generate_classical_private)
        before.setattr(vault._seal, "hybrid_signing_generate", vault._seal.ed25519_generate)
        before.setattr(vault, "derive_receipt_keys", _legacy_receipt_keys)
        nodes = open_pair(tmp_path, backend, config, request)
        nodes.sync()
        receipt = intake.submit_report(nodes.public(), submission(identity={"name": "升级前"}))
        nodes.sync()
        assert vault.key_suite(load_intake_public(nodes.intake)) == vault.CLASSICAL
    yield nodes, receipt
    close_pair(nodes)


def test_the_intake_node_receives_the_new_keys_and_seals_hybrid(old_nodes: tuple[Nodes, intake.Receipt]) -> None:
    nodes, before = old_nodes
    done = hybrid_upgrade.upgrade_store(nodes.staff(), KEEPERS)
    assert (done.identities, done.custodians) == (1, 3)
    nodes.sync()  # the site item carries the new intake key, the custodians' keys and the suite
    assert load_intake_public(nodes.intake) == load_intake_public(nodes.internal)
    assert vault.key_suite(load_intake_public(nodes.intake)) == vault.HYBRID
    with nodes.intake_sync.stores.vault() as vs:
        assert {vault.key_suite(c.public_key) for c in vs.scalars(select(Custodian))} == {vault.HYBRID}
    assert stored_suite(nodes.intake_sync.stores) == vault.HYBRID

    public = nodes.public()
    receipt = intake.submit_report(public, submission(identity={"name": "升级后"}))
    with public.stores.case() as cs:
        assert {vault.sealed_suite(d.sealed) for d in cs.scalars(select(DataKey))} == {vault.HYBRID}
    with public.stores.vault() as vs:
        assert {vault.sealed_suite(s) for s in vs.scalars(select(IdentityShare.sealed_share))} == {vault.HYBRID}
    nodes.sync()
    staff = nodes.staff()
    for r, name in ((before, "升级前"), (receipt, "升级后")):
        assert casework.open_case(staff, nodes.clerk_id, r.report_id).clue["description"]
        assert json.loads(nodes.open_identity(r.report_id))["name"] == name
