"""The staff side's CSV exports carry no live formula (issue #21, finding 6; OWASP's rule)."""

from __future__ import annotations

import csv
import io

from models.cases import workflow
from models.staff.tables import Staff

EVIL = '=HYPERLINK("http://attacker.example/","看这里")'


def test_a_unit_name_beginning_with_equals_reaches_the_statistics_csv_as_text(office, sign_in, make_staff) -> None:
    evil = make_staff("evilclerk", "intake", unit=EVIL)
    with office.rt.stores.case() as session:
        unit = session.get(Staff, evil.id).unit_id
    workflow.register_clue(office.rt, office.clerk.id, office.submit(), unit, evil.id)
    body = sign_in(office.head).get("/stats.csv").get_data(as_text=True).lstrip("\ufeff")
    cells = [cell for row in csv.reader(io.StringIO(body)) for cell in row]
    assert "'" + EVIL in cells
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in cells)


def test_a_user_name_beginning_with_equals_reaches_the_audit_csv_as_text(office, sign_in, make_staff) -> None:
    sign_in(make_staff(EVIL, "intake"))  # signin.succeeded, with the name as actor
    body = sign_in(office.auditor).get("/audit/export.csv").get_data(as_text=True)
    cells = [cell for row in csv.reader(io.StringIO(body)) for cell in row]
    assert "'" + EVIL in cells
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in cells)
