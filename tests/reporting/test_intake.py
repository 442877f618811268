"""Intake and follow-up through the workflow functions every front end calls (R2–R8)."""

from __future__ import annotations

import io
import sqlite3

import pytest
from PIL import Image
from sqlalchemy import func, select, text

from models.cases import casework
from models.identities.tables import SealedIdentityRow
from models.reporting import intake
from models.reporting.files import Upload
from models.reporting.tables import Attachment, Report
from models.store.errors import InvalidInput, ReceiptNotFound, ServiceUnavailable
from tests.conftest import jpeg_with_gps, submission

CANARY = "CANARY-身份-7f3a9c"


def _photo_with_gps() -> bytes:
    return jpeg_with_gps(software="CANARY-SOFTWARE")


def test_round_trip_public_intake_to_staff_reading(public_rt, staff_rt, make_staff) -> None:
    receipt = intake.submit_report(public_rt, submission())
    assert len(receipt.code) == 16 and receipt.code.isdigit()
    clerk = make_staff("clerk", "intake")
    case = casework.open_case(staff_rt, clerk.id, receipt.report_id)
    assert case.clue["description"] == "村里有人强占集体土地，殴打村民。"
    assert case.clue["reported"][0]["name"] == "张某"
    assert case.report.registry_no == receipt.registry_no


def test_public_side_cannot_read_back_a_stored_clue(public_rt) -> None:
    receipt = intake.submit_report(public_rt, submission())
    assert public_rt.intake_private is None
    with pytest.raises(RuntimeError):
        casework._data_keys(public_rt, None, receipt.report_id)  # type: ignore[arg-type]
    with public_rt.stores.case() as session:
        stored = session.get(Report, receipt.report_id)
        assert "强占".encode() not in stored.content


def test_registry_numbers_are_year_and_consecutive_sequence(public_rt) -> None:
    numbers = [intake.submit_report(public_rt, submission()).registry_no for _ in range(3)]
    year = numbers[0][:4]
    assert numbers == [f"{year}-000001", f"{year}-000002", f"{year}-000003"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"category": "nonsense"}, "category"),
        ({"description": "   "}, "description"),
        ({"description": "x" * 20_001}, "description"),
        ({"notice_accepted": False}, "notice_accepted"),
        ({"identity": {"name": "  "}}, "identity"),
        ({"location": "x" * 500}, "location"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_stored(public_rt, changes, field) -> None:
    with pytest.raises(InvalidInput) as info:
        intake.submit_report(public_rt, submission(**changes))
    assert field in info.value.errors
    with public_rt.stores.case() as session:
        assert session.scalar(select(func.count()).select_from(Report)) == 0


def test_wrong_file_type_is_refused_by_content_not_name(public_rt) -> None:
    fake = Upload("photo.jpg", b"MZ\x90\x00" + b"\x00" * 200)  # a Windows executable
    with pytest.raises(InvalidInput) as info:
        intake.submit_report(public_rt, submission(files=[fake]))
    assert "files" in info.value.errors


def test_image_metadata_is_stripped_and_sealed_with_the_identity(public_rt, staff_rt, make_staff,
                                                                  custodians) -> None:
    photo = _photo_with_gps()
    assert b"CanaryCam" in photo
    receipt = intake.submit_report(public_rt, submission(
        identity={"name": CANARY}, files=[Upload("IMG_0001.jpg", photo)]))
    clerk = make_staff("clerk", "intake")
    case = casework.open_case(staff_rt, clerk.id, receipt.report_id)
    name, mime, data = casework.open_attachment(staff_rt, clerk.id, case.files[0].id)
    assert mime == "image/jpeg" and name == "IMG_0001.jpg"
    with Image.open(io.BytesIO(data)) as img:
        assert dict(img.getexif()) == {}
        assert img.size == (40, 30)
    assert b"CanaryCam" not in data and b"CANARY-SOFTWARE" not in data


def test_confidential_report_needs_a_ready_vault(public_rt) -> None:
    with pytest.raises(ServiceUnavailable):
        intake.submit_report(public_rt, submission(identity={"name": CANARY}))
    with public_rt.stores.case() as session:
        assert session.scalar(select(func.count()).select_from(Report)) == 0


def test_vault_write_failure_leaves_neither_half(public_rt, custodians, monkeypatch) -> None:
    def broken(*_args, **_kwargs):
        raise OSError("vault store unreachable")

    monkeypatch.setattr(intake, "store_identity", broken)
    with pytest.raises(OSError):
        intake.submit_report(public_rt, submission(identity={"name": CANARY}))
    with public_rt.stores.case() as session:
        assert session.scalar(select(func.count()).select_from(Report)) == 0
        assert session.scalar(select(func.count()).select_from(Attachment)) == 0


def test_case_write_failure_removes_the_sealed_identity(public_rt, custodians, monkeypatch) -> None:
    def broken(*_args, **_kwargs):
        raise RuntimeError("case store full")

    monkeypatch.setattr(intake, "next_registry_no", broken)
    with pytest.raises(RuntimeError):
        intake.submit_report(public_rt, submission(identity={"name": CANARY}))
    with public_rt.stores.vault() as session:
        assert session.scalar(select(func.count()).select_from(SealedIdentityRow)) == 0


def test_status_and_two_way_messages(public_rt, staff_rt, make_staff) -> None:
    receipt = intake.submit_report(public_rt, submission())
    status = intake.reporter_status(public_rt, receipt.code)
    assert (status.registry_no, status.status, status.messages) == (receipt.registry_no, "received", [])
    clerk = make_staff("clerk", "intake")
    casework.reply_to_reporter(staff_rt, clerk.id, receipt.report_id, "请补充时间。")
    intake.add_follow_up(public_rt, receipt.code, "大约是十月三日。")
    status = intake.reporter_status(public_rt, receipt.code)
    assert [(m.sender, m.text) for m in status.messages] == [("staff", "请补充时间。"),
                                                             ("reporter", "大约是十月三日。")]
    case = casework.open_case(staff_rt, clerk.id, receipt.report_id)
    assert [m.text for m in case.messages] == ["请补充时间。", "大约是十月三日。"]


@pytest.mark.parametrize("wrong", ["", "123", "0000000000000000", "abcdabcdabcdabcd", "1" * 40])
def test_wrong_receipt_gets_one_answer(public_rt, wrong) -> None:
    intake.submit_report(public_rt, submission())
    with pytest.raises(ReceiptNotFound) as info:
        intake.reporter_status(public_rt, wrong)
    assert str(info.value) == ReceiptNotFound.message


def test_canary_identity_never_reaches_the_case_store(public_rt, custodians, config, backend,
                                                      caplog) -> None:
    caplog.set_level("DEBUG")
    receipt = intake.submit_report(public_rt, submission(
        identity={"name": CANARY, "phone": "13900000000", "contact": CANARY},
        files=[Upload("a.jpg", _photo_with_gps())]))
    intake.add_follow_up(public_rt, receipt.code, "补充")
    needle = CANARY.encode()
    if backend == "sqlite":
        with sqlite3.connect(config.data_dir / "case.db") as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        for path in config.data_dir.rglob("*"):
            if path.is_file() and not path.name.startswith("vault.db"):
                assert needle not in path.read_bytes(), path
                assert b"CanaryCam" not in path.read_bytes(), path
    else:
        with public_rt.stores.case_engine.connect() as conn:
            tables = conn.execute(text(
                "select table_name from information_schema.tables where table_schema = current_schema()"
            )).scalars().all()
            for table in tables:
                dump = conn.execute(text(f'select t::text from "{table}" t')).scalars().all()
                assert CANARY not in "".join(dump), table
                assert "CanaryCam" not in "".join(dump).replace("\\x", ""), table
    assert CANARY not in caplog.text


def test_file_lists_read_sealed_names_not_whole_files(public_rt, staff_rt, make_staff) -> None:
    """A case page lists files from their sealed name and type; the bytes are read only on download."""
    from sqlalchemy import update

    receipt = intake.submit_report(public_rt, submission(files=[Upload("证据.jpg", _photo_with_gps())]))
    clerk = make_staff("clerk", "intake")
    with staff_rt.stores.case() as session:
        session.execute(update(Attachment).values(blob=b"not read by the list"))
    [info] = casework.open_case(staff_rt, clerk.id, receipt.report_id).files
    assert (info.filename, info.mime) == ("证据.jpg", "image/jpeg")


def test_files_stored_before_sealed_names_still_list(public_rt, staff_rt, make_staff) -> None:
    from sqlalchemy import update

    receipt = intake.submit_report(public_rt, submission(files=[Upload("a.jpg", _photo_with_gps())]))
    clerk = make_staff("clerk", "intake")
    with staff_rt.stores.case() as session:
        session.execute(update(Attachment).values(meta=None))
    [info] = casework.open_case(staff_rt, clerk.id, receipt.report_id).files
    assert info.filename == "a.jpg"
    assert casework.open_attachment(staff_rt, clerk.id, info.id)[0] == "a.jpg"
