"""The sealed-content layer: each context string is what is stored, so each stays exactly as it is.

A context is bound into every ciphertext (the AEAD's associated data, the data key's HPKE info):
a builder that returned another string would leave every stored clue, message and file unreadable.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import vault
from models.reporting import sealed
from models.reporting.intake import submit_report
from models.reporting.tables import DataKey, Report
from models.store.runtime import Runtime
from tests.conftest import submission

ROOT = Path(__file__).resolve().parents[2]


def test_the_context_strings_are_the_stored_ones() -> None:
    assert sealed.data_key_context("r1", "k1") == "r1/k1"
    assert sealed.report_context("r1") == "report/r1"
    assert sealed.message_context("r1", "m1") == "message/r1/m1"
    assert sealed.file_context("r1", "a1") == "attachment/r1/a1"
    assert sealed.reporter_file_context("r1", "a1") == "attachment/r1/a1/reporter-meta"
    assert sealed.record_context("r1", "c1") == "record/r1/c1"
    assert sealed.record_file_context("r1", "f1") == "record-file/r1/f1"
    assert sealed.transfer_context("r1", "t1") == "transfer/r1/t1"
    assert sealed.measure_context("measure", "r1", "k1") == "measure/r1/k1"


def test_a_stored_clue_opens_under_its_named_contexts_only(public_rt: Runtime, staff_rt: Runtime) -> None:
    receipt = submit_report(public_rt, submission(description="封存层测试"))
    with staff_rt.stores.case() as session:
        report = session.get(Report, receipt.report_id)
        assert report is not None
        key_row = session.get(DataKey, report.data_key_id)
        assert key_row is not None
        key = vault.open_data_key(key_row.sealed, staff_rt.require_private(),
                                  sealed.data_key_context(report.id, key_row.id))
        assert json.loads(vault.decrypt_blob(key, report.content, sealed.report_context(report.id)))[
            "description"] == "封存层测试"
        with pytest.raises(vault.VaultError):
            vault.decrypt_blob(key, report.content, sealed.message_context(report.id, report.id))


def test_no_module_spells_a_context_out_by_hand() -> None:
    """Only models/reporting/sealed.py builds these strings (issue 23: they were inline in nine modules)."""
    inline = re.compile(r'f"(report|message|attachment|record|record-file|transfer)/\{')
    found = [str(path.relative_to(ROOT)) for pkg in ("bot", "web", "models", "benchmarks")
             for path in (ROOT / pkg).rglob("*.py")
             if path.name != "sealed.py" and "migrations" not in path.parts
             and inline.search(path.read_text(encoding="utf-8"))]
    assert found == []
