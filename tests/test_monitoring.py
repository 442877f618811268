"""/healthz, /readyz and /metrics on the staff app, the public app and the sync endpoint."""

from __future__ import annotations

import shutil

import pytest
from flask import Flask
from prometheus_client.parser import text_string_to_metric_families

from models.reporting import intake
from models.store.config import Config
from models.store.runtime import Runtime
from tests.conftest import submission
from tests.sync.procs import free_port

CANARY = "CANARY-monitor-线索-5e21"
VISITOR = "203.0.113.77"
LOCAL = {"REMOTE_ADDR": "127.0.0.1"}


def scrape(app: Flask) -> dict[str, list[tuple[dict[str, str], float]]]:
    """/metrics as Prometheus reads it: family name -> (labels, value) samples."""
    response = app.test_client().get("/metrics", environ_base=LOCAL)
    assert response.status_code == 200 and response.mimetype == "text/plain"
    text = response.get_data(as_text=True)
    assert CANARY not in text and VISITOR not in text
    return {f.name: [(s.labels, s.value) for s in f.samples] for f in text_string_to_metric_families(text)}


@pytest.fixture
def public_app(config: Config, public_rt: Runtime) -> Flask:
    from web.public import create_public_app

    return create_public_app(config, public_rt)


def test_the_staff_side_exports_figures_and_requests(staff_app: Flask, public_rt: Runtime) -> None:
    intake.submit_report(public_rt, submission(description=CANARY))
    client = staff_app.test_client()
    assert client.get("/healthz").status_code == 200
    assert client.get("/", environ_base={"REMOTE_ADDR": VISITOR}).status_code == 302
    families = scrape(staff_app)
    assert families["clueguard_reports"] == [({"channel": "web"}, 1.0)]
    for name in ("clueguard_follow_ups", "clueguard_deadlines_open", "clueguard_deadlines_overdue",
                 "clueguard_audit_chain_length"):
        assert name in families, name
    assert families["clueguard_audit_chain_length"][0][1] >= 1
    requests = {(s["endpoint"], s["code"]) for s, _ in families["clueguard_http_requests"]
                if s.get("app") == "staff"}
    assert ("home", "302") in requests
    assert "clueguard_http_request_duration_seconds" in families


@pytest.mark.parametrize("environ", [
    {"REMOTE_ADDR": VISITOR},
    {"REMOTE_ADDR": "10.1.2.3"},
    {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": VISITOR},  # through the local proxy
    {"REMOTE_ADDR": "127.0.0.1", "HTTP_FORWARDED": "for=198.51.100.1"},
])
def test_metrics_answer_loopback_only(staff_app: Flask, environ: dict[str, str]) -> None:
    assert staff_app.test_client().get("/metrics", environ_base=environ).status_code == 404


def test_metrics_can_be_opened_to_a_named_network(config: Config, staff_rt: Runtime) -> None:
    from web.staff import create_staff_app

    app = create_staff_app(config.with_changes(metrics_from="10.9.0.0/16"), staff_rt)
    assert app.test_client().get("/metrics", environ_base={"REMOTE_ADDR": "10.9.4.2"}).status_code == 200
    assert app.test_client().get("/metrics", environ_base=LOCAL).status_code == 404


def test_the_public_app_exports_its_traffic_and_nothing_from_the_database(
        public_app: Flask, public_rt: Runtime) -> None:
    intake.submit_report(public_rt, submission(description=CANARY))
    client = public_app.test_client()
    assert client.get("/", environ_base={"REMOTE_ADDR": VISITOR}).status_code == 200
    families = scrape(public_app)
    assert not [n for n in families if n.startswith(("clueguard_reports", "clueguard_follow", "clueguard_deadline",
                                                      "clueguard_audit", "clueguard_sync"))]
    assert any(s["app"] == "public" for s, _ in families["clueguard_http_requests"])


def test_rate_limit_refusals_are_counted(config: Config, public_rt: Runtime) -> None:
    from web.public import create_public_app

    app = create_public_app(config.with_changes(receipt_rate_limit="1 per minute"), public_rt)
    client = app.test_client()
    codes = [client.get("/report/received").status_code for _ in range(3)]
    assert 429 in codes
    refusals = scrape(app)["clueguard_rate_limit_refusals"]
    assert sum(v for s, v in refusals if s["app"] == "public" and s["endpoint"] == "public.receipt") >= 1


def test_ready_when_everything_answers(staff_app: Flask, public_app: Flask) -> None:
    for app in (staff_app, public_app):
        response = app.test_client().get("/readyz")
        assert response.status_code == 200, response.get_data(as_text=True)


def test_not_ready_when_the_database_is_down(tmp_path, backend: str, config: Config, staff_rt: Runtime) -> None:
    from web.staff import create_staff_app

    if backend != "sqlite":
        pytest.skip("the database goes down by moving its file away (SQLite); PostgreSQL: below")
    app = create_staff_app(config, staff_rt)
    staff_rt.stores.dispose()
    shutil.move(config.data_dir / "case.db", tmp_path / "case.db.away")
    response = app.test_client().get("/readyz")
    assert response.status_code == 503 and response.get_data(as_text=True) == "not ready: database\n"
    assert app.test_client().get("/healthz").status_code == 200


def test_not_ready_when_postgresql_is_unreachable(config: Config, staff_rt: Runtime) -> None:
    from models.store.db import Stores
    from models.store.runtime import open_runtime
    from web.staff import create_staff_app

    closed = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/test?connect_timeout=2"
    down = config.with_changes(database_url=closed)
    rt = open_runtime(config, staff_side=True, stores=staff_rt.stores)
    rt = Runtime(config=down, stores=Stores(closed, config.vault_url), intake_public=rt.intake_public,
                 site_salt=rt.site_salt, intake_private=rt.intake_private)
    app = create_staff_app(down, rt)
    response = app.test_client().get("/readyz")
    assert response.status_code == 503 and "database" in response.get_data(as_text=True)
    rt.stores.dispose()


def test_not_ready_when_redis_is_unreachable(config: Config, public_rt: Runtime) -> None:
    from web.public import create_public_app

    app = create_public_app(config.with_changes(redis_url=f"redis://127.0.0.1:{free_port()}/0"), public_rt)
    response = app.test_client().get("/readyz")
    assert response.status_code == 503 and response.get_data(as_text=True) == "not ready: redis\n"


def test_gunicorn_workers_counters_add_up(tmp_path) -> None:
    """Under `clueguard serve` with two workers, one scrape counts the requests both answered."""
    import os
    import subprocess
    import urllib.request

    from tests.sync.procs import CLUEGUARD, node_env, wait_for_port

    env = node_env(tmp_path / "data")
    env["PROMETHEUS_MULTIPROC_DIR"] = str(tmp_path / "metrics")
    assert subprocess.run([CLUEGUARD, "init"], env=env, capture_output=True, check=False).returncode == 0
    port = free_port()
    server = subprocess.Popen([CLUEGUARD, "serve", "public", "--port", str(port), "--workers", "2", "--threads", "1"],
                              env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port("127.0.0.1", port)
        for _ in range(12):
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=30) as response:  # our own test server
                assert response.status == 200
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=30) as response:
            text = response.read().decode()
        workers = {p.name for p in (tmp_path / "metrics").glob("counter_*.db")}
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)
    counts = [s.value for f in text_string_to_metric_families(text) if f.name == "clueguard_http_requests"
              for s in f.samples if s.labels.get("endpoint") == "public.index" and s.name.endswith("_total")]
    assert counts == [12.0], workers
