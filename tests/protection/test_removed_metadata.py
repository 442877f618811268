"""R7, R11: the protection officer reads what was removed from the reporter's files: labels in
Chinese (English on request), a position in decimal degrees, times in the site's zone, device
make and model; never a raw structure."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from models.reporting import intake
from models.reporting.cleaning.readable import describe_removed
from models.reporting.files import Upload
from models.reporting.tables import Report
from tests.conftest import submission
from tests.protection.conftest import IDENTITY
from tests.reporting import samples


def _open_identity(staff_app, sign_in, officer, report_id, custodians, custodian_users, lang: str) -> str:  # type: ignore[no-untyped-def]
    po = sign_in(officer)
    filed = po.post(f"/cases/{report_id}/unseal", {"purpose": "安排保护", "legal_basis": "reporter_at_risk"})
    detail = f"/unseal/{filed.headers['Location'].rstrip('/').rsplit('/', 1)[-1]}"
    for name in ("keeper1", "keeper2"):
        sign_in(custodian_users[name]).post(f"{detail}/approve", {"passphrase": custodians[name], "note": ""},
                                            page=detail)
    shown = po.post(f"{detail}/open{lang}", {"password": officer.password}, page=detail)
    assert shown.status_code == 200
    return str(shown.get_data(as_text=True))


@pytest.mark.parametrize("backend", ["sqlite"])
@pytest.mark.parametrize(("lang", "labels"), [
    ("", ["位置（纬度，经度）", "设备品牌", "设备型号", "作者", "创建时间"]),
    ("?lang=en", ["Position (latitude, longitude)", "Device make", "Device model", "Author", "Created at"]),
])
def test_the_officer_reads_labelled_removed_metadata(staff_app, public_rt, sign_in, officer, custodians,
                                                     custodian_users, lang, labels) -> None:
    files = [Upload("IMG_0001.jpg", samples.sample("jpeg")), Upload("录像.mov", samples.sample("mov")),
             Upload("材料.docx", samples.sample("docx"))]
    receipt = intake.submit_report(public_rt, submission(identity=dict(IDENTITY), files=files))
    html = _open_identity(staff_app, sign_in, officer, receipt.report_id, custodians, custodian_users, lang)
    section = html[html.index('id="removed-file-1"'):]
    for label in labels:
        assert label in section, label
    assert section.count("31.230400, 121.473700") >= 2  # the photo's EXIF and the video's ©xyz
    assert "CanaryPhone" in section and "CANARY-X1" in section
    assert "IMG_0001.jpg" in section and "录像.mov" in section
    assert "2026-05-01 10:00 CST" in section  # the document's UTC 02:00, in Beijing time
    assert "2026-05-01 10:00" in section  # the photo's own clock, said to have no zone
    for raw in ("{", "}", "(31.0", "&#39;: &#39;", "IFDRational", "GPS.GPS"):
        assert raw not in section, raw


def test_identities_sealed_before_read_the_same_way() -> None:
    legacy = {"file1": {"Make": "CanaryPhone", "GPS.GPSLatitudeRef": "S", "GPS.GPSLatitude": "(31.0, 13.0, 49.44)",
                        "GPS.GPSLongitudeRef": "E", "GPS.GPSLongitude": "(121.0, 28.0, 25.32)"}}
    [one] = describe_removed(legacy, "Asia/Shanghai")
    assert ("Device make", "CanaryPhone", "") in one.lines
    assert ("Position (latitude, longitude)", "-31.230400, 121.473700", "") in one.lines


@pytest.mark.parametrize(("value", "shown"), [
    ("2026-05-01T02:00:00.000000Z", "2026-05-01 10:00 CST"),
    ("D:20260501100000+08'00'", "2026-05-01 10:00 CST"),
    ("2026-05-01T10:00:00", "2026-05-01 10:00"),
    ("not a time", "not a time"),
])
def test_times_are_shown_in_the_site_zone(value: str, shown: str) -> None:
    [one] = describe_removed({"file1": {"created": value}}, "Asia/Shanghai")
    assert one.lines[0][1] == shown


@pytest.mark.parametrize("backend", ["sqlite"])
@pytest.mark.parametrize(("lang", "label"), [("", "位置（纬度，经度）"),
                                            ("?lang=en", "Position (latitude, longitude)")])
def test_the_api_gives_the_same_readable_form(staff_app, public_rt, api_token, officer, custodians,
                                              custodian_users, lang, label) -> None:
    """The JSON API's open answers what the page shows: labelled lines, never the raw structure."""
    receipt = intake.submit_report(public_rt, submission(identity=dict(IDENTITY),
                                                         files=[Upload("IMG_0001.jpg", samples.sample("jpeg"))]))
    client, po = staff_app.test_client(), api_token(officer)
    with public_rt.stores.case() as cs:
        registry_no = cs.scalar(select(Report.registry_no).where(Report.id == receipt.report_id))
    made = client.post(f"/api/v1/reports/{registry_no}/unseal-requests",
                       json={"purpose": "安排保护", "legal_basis": "reporter_at_risk"}, headers=po)
    rid = made.get_json()["id"]
    for name in ("keeper1", "keeper2"):
        assert client.post(f"/api/v1/unseal-requests/{rid}/approve", json={"passphrase": custodians[name]},
                           headers=api_token(custodian_users[name])).status_code == 200
    opened = client.post(f"/api/v1/unseal-requests/{rid}/open{lang}", json={"passphrase": officer.password},
                         headers=po)
    body = opened.get_json()
    assert "file_metadata" not in body["identity"] and body["identity"] == IDENTITY
    [one] = body["removed_metadata"]
    details = {d["label"]: d["value"] for d in one["details"]}
    assert details[label] == "31.230400, 121.473700" and "CanaryPhone" in details.values()
    text = opened.get_data(as_text=True)
    for raw in ("GPS.GPS", "IFDRational", '"gps"', '"make"'):
        assert raw not in text, raw


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_a_follow_ups_removed_metadata_is_sealed_beside_the_identity(staff_app, public_rt, sign_in, officer,
                                                                     custodians, custodian_users) -> None:
    """R7: a follow-up's files give away as much as the report's own; what was removed from them
    is sealed to the identity's addition key and the officer reads it as file 2, 3 …"""
    from models.audit.tables import AuditEvent
    from models.identities.tables import IdentityAddition

    receipt = intake.submit_report(public_rt, submission(identity=dict(IDENTITY),
                                                         files=[Upload("IMG_0001.jpg", samples.sample("jpeg"))]))
    intake.add_follow_up(public_rt, receipt.code, "补充材料。", [Upload("补充.docx", samples.sample("docx"))])
    with public_rt.stores.vault() as vs:
        [row] = vs.scalars(select(IdentityAddition)).all()
        assert not any(c in row.sealed for c in samples.CANARIES)  # sealed, not stored as sent
    html = _open_identity(staff_app, sign_in, officer, receipt.report_id, custodians, custodian_users, "")
    second = html[html.index('id="removed-file-2"'):]
    assert "补充.docx" in second and "CANARY" in second and "作者" in second
    assert "addition_key" not in html
    # Anonymous: there is no identity to seal it beside, so it is discarded (docs/evidence.md).
    anonymous = intake.submit_report(public_rt, submission())
    intake.add_follow_up(public_rt, anonymous.code, "补充。", [Upload("补充.docx", samples.sample("docx"))])
    with public_rt.stores.vault() as vs:
        assert len(vs.scalars(select(IdentityAddition)).all()) == 1
    with public_rt.stores.case() as cs:
        sealed = [e.detail.get("metadata_sealed") for e in cs.scalars(
            select(AuditEvent).where(AuditEvent.event == "report.follow_up").order_by(AuditEvent.id))]
    assert sealed == [True, False]
