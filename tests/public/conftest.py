"""Fixtures for the public app: the app, a client, a reporter helper and a staff-side reader."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import TestResponse, encode_multipart

from models.cases import casework
from models.identities.tables import SealedIdentityRow
from models.reporting.idempotency import new_token
from models.reporting.tables import Report
from models.store.config import Config
from models.store.runtime import Runtime, open_runtime
from web.public import create_public_app

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def public_app(config: Config, public_rt: Runtime) -> Flask:
    return create_public_app(config, public_rt)


@pytest.fixture
def client(public_app: Flask) -> FlaskClient:
    return public_app.test_client()


@pytest.fixture
def make_app(config: Config, public_rt: Runtime) -> Callable[..., Flask]:
    """An app on the same stores with some settings changed (limits, rates)."""

    def make(**changes: object) -> Flask:
        cfg = config.with_changes(**changes)
        return create_public_app(cfg, open_runtime(cfg, staff_side=False, stores=public_rt.stores))

    return make


def csrf_token(client: FlaskClient, path: str = "/report") -> str:
    match = CSRF_RE.search(client.get(path).text)
    assert match, "no CSRF token on the page"
    return match.group(1)


def report_form(**changes: object) -> dict[str, object]:
    """A complete, valid report form as a browser posts it; tests change what they are about."""
    values: dict[str, object] = {
        "category": "village_bully",
        "token": "t" * 32,
        "reported_rows": "4",
        "reported-0-name": "张某",
        "reported-0-unit": "某村委会",
        "reported-0-position": "主任",
        "reported-0-place": "某村",
        "reported-1-name": "",
        "shielding_rows": "3",
        "shielding-0-name": "李某",
        "shielding-0-unit": "某镇派出所",
        "shielding-0-position": "所长",
        "description": "村里有人强占集体土地，殴打村民。",
        "location": "某县某村",
        "when": "month",
        "mode": "anonymous",
        "notice_accepted": "yes",
        "action": "submit",
    }
    values.update(changes)
    return {k: v for k, v in values.items() if v is not None}


def file_part(data: bytes, name: str) -> FileStorage:
    return FileStorage(io.BytesIO(data), filename=name, content_type="application/octet-stream")


def post_multipart(client: FlaskClient, path: str, data: dict[str, object]) -> TestResponse:
    """Post a multipart form encoded in memory (the test client spools big bodies to files it never closes)."""
    boundary, body = encode_multipart(data)  # type: ignore[arg-type]
    return client.post(path, data=body, content_type=f"multipart/form-data; boundary={boundary}")


@dataclass
class Reporter:
    """Drives the public pages the way a browser would, CSRF token included."""

    client: FlaskClient

    def submit(self, query: str = "", files: list[tuple[bytes, str]] | None = None, **changes: object) -> TestResponse:
        """Post the form (a fresh submission token unless given) and follow the redirect to the receipt."""
        data = report_form(csrf_token=csrf_token(self.client), token=new_token(), **changes)
        if files:
            data["files"] = [file_part(content, name) for content, name in files]
        resp = post_multipart(self.client, f"/report{query}", data)
        if resp.status_code == 303:
            resp = self.client.get(resp.headers["Location"])
        return resp

    def status(self, receipt: str, query: str = "") -> TestResponse:
        return self.client.post(f"/status{query}", data={"receipt": receipt,
                                                         "csrf_token": csrf_token(self.client, "/status")})

    def reply(self, receipt: str, text: str, files: list[tuple[bytes, str]] | None = None,
              query: str = "") -> TestResponse:
        data: dict[str, object] = {"receipt": receipt, "text": text,
                                   "csrf_token": csrf_token(self.client, "/status")}
        if files:
            data["files"] = [file_part(content, name) for content, name in files]
        return post_multipart(self.client, f"/status/reply{query}", data)


@pytest.fixture
def reporter(client: FlaskClient) -> Reporter:
    return Reporter(client)


def element_text(html: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}"[^>]*>([^<]*)<', html)
    assert match, f"no element #{element_id}"
    return match.group(1).strip()


def receipt_of(resp: TestResponse) -> tuple[str, str]:
    """(registry number, receipt digits) from a result page."""
    return element_text(resp.text, "registry-no"), element_text(resp.text, "receipt-code").replace(" ", "")


@dataclass
class Stored:
    """What the stores hold, read from the staff side (the public side cannot read clues)."""

    staff_rt: Runtime
    staff_id: int

    def counts(self) -> tuple[int, int]:
        with self.staff_rt.stores.case() as session:
            reports = session.scalar(select(func.count()).select_from(Report)) or 0
        with self.staff_rt.stores.vault() as session:
            identities = session.scalar(select(func.count()).select_from(SealedIdentityRow)) or 0
        return reports, identities

    def case(self, registry_no: str) -> casework.CaseView:
        with self.staff_rt.stores.case() as session:
            report_id = session.scalar(select(Report.id).where(Report.registry_no == registry_no))
        assert report_id is not None
        return casework.open_case(self.staff_rt, self.staff_id, report_id)


@pytest.fixture
def stored(staff_rt: Runtime, make_staff) -> Stored:  # type: ignore[no-untyped-def]
    return Stored(staff_rt, make_staff("reader", "intake").id)
