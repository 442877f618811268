"""Air-gapped mode: the same batches as signed files, refused twice or out of order."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from models.cases import casework
from models.reporting import intake
from models.reporting.tables import Report
from models.sync.files import export_files, import_files
from tests.conftest import submission


def _carry(src, dst, medium: Path, again: bool = False):  # type: ignore[no-untyped-def]
    files = export_files(src, medium, again)
    return files, import_files(dst, files)


def _count(rt) -> int:
    with rt.stores.case() as session:
        return session.scalar(select(func.count()).select_from(Report)) or 0


def test_the_air_gapped_round_trip(nodes, tmp_path: Path) -> None:
    _carry(nodes.internal_sync, nodes.intake_sync, tmp_path / "m1")  # the keys intake seals to
    public = nodes.public()
    receipt = intake.submit_report(public, submission(identity={"name": "王五"}))
    files, results = _carry(nodes.intake_sync, nodes.internal_sync, tmp_path / "m2")
    assert [f.name for f in files] == ["up-000001.cgsync"]
    assert all(r.accepted for r in results), results
    staff = nodes.staff()
    casework.reply_to_reporter(staff, nodes.clerk_id, receipt.report_id, "已收到。")
    _files, results = _carry(nodes.internal_sync, nodes.intake_sync, tmp_path / "m3")
    assert all(r.accepted for r in results), results
    status = intake.reporter_status(public, receipt.code)
    assert [m.text for m in status.messages] == ["已收到。"]
    # The acknowledgement rode along: the intake node has purged the clue.
    with public.stores.case() as session:
        assert session.get(Report, receipt.report_id).content == b""
    assert casework.open_case(staff, nodes.clerk_id, receipt.report_id).clue["category"] == "village_bully"


def test_a_file_imported_twice_is_refused(nodes, tmp_path: Path) -> None:
    _carry(nodes.internal_sync, nodes.intake_sync, tmp_path / "m1")
    intake.submit_report(nodes.public(), submission())
    files, _results = _carry(nodes.intake_sync, nodes.internal_sync, tmp_path / "m2")
    [again] = import_files(nodes.internal_sync, files)
    assert not again.accepted and "already applied" in again.message
    assert _count(nodes.internal_sync) == 1


def test_files_out_of_order_are_refused_and_the_missing_one_named(nodes, tmp_path: Path) -> None:
    _carry(nodes.internal_sync, nodes.intake_sync, tmp_path / "m1")
    public = nodes.public()
    intake.submit_report(public, submission())
    first = export_files(nodes.intake_sync, tmp_path / "a")
    intake.submit_report(public, submission())
    second = export_files(nodes.intake_sync, tmp_path / "b")
    [result] = import_files(nodes.internal_sync, second)
    assert not result.accepted
    assert "batch 1 missing" in result.message
    assert _count(nodes.internal_sync) == 0
    # Given both, in any order, the import sorts them.
    results = import_files(nodes.internal_sync, second + first)
    assert all(r.accepted for r in results), results
    assert _count(nodes.internal_sync) == 2


def test_an_altered_file_is_refused(nodes, tmp_path: Path) -> None:
    _carry(nodes.internal_sync, nodes.intake_sync, tmp_path / "m1")
    intake.submit_report(nodes.public(), submission())
    [path] = export_files(nodes.intake_sync, tmp_path / "m2")
    data = bytearray(path.read_bytes())
    data[-10] ^= 1
    path.write_bytes(bytes(data))
    [result] = import_files(nodes.internal_sync, [path])
    assert not result.accepted and "bad signature" in result.message
    assert _count(nodes.internal_sync) == 0


def test_a_file_is_not_taken_for_one_of_the_other_direction(nodes, tmp_path: Path) -> None:
    [path] = export_files(nodes.internal_sync, tmp_path / "m1")
    [result] = import_files(nodes.internal_sync, [path])  # its own file, fed back to itself
    assert not result.accepted and "bad signature" in result.message


def test_a_lost_medium_is_written_again(nodes, tmp_path: Path) -> None:
    _carry(nodes.internal_sync, nodes.intake_sync, tmp_path / "m1")
    intake.submit_report(nodes.public(), submission())
    export_files(nodes.intake_sync, tmp_path / "lost")
    assert export_files(nodes.intake_sync, tmp_path / "empty")[0].name.startswith("ack-")
    files = export_files(nodes.intake_sync, tmp_path / "again", again=True)
    assert [f.name for f in files] == ["up-000001.cgsync"]
    assert all(r.accepted for r in import_files(nodes.internal_sync, files))
    assert _count(nodes.internal_sync) == 1
