"""The sync endpoint's /healthz, /readyz and /metrics, and what the internal node learns of
what waits on the intake node."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from models.reporting import intake
from models.sync.exchange import sync_round
from models.sync.health import sync_health
from tests.conftest import submission

LOCAL = {"REMOTE_ADDR": "127.0.0.1"}


def test_the_sync_endpoint_answers_health_and_figures(nodes) -> None:
    assert nodes.endpoint.get("/healthz").status_code == 200
    assert nodes.endpoint.get("/readyz").status_code == 200
    assert nodes.endpoint.get("/metrics", environ_base={"REMOTE_ADDR": "10.214.3.2"}).status_code == 404
    nodes.sync()
    intake.submit_report(nodes.public(), submission())
    response = nodes.endpoint.get("/metrics", environ_base=LOCAL)
    assert response.status_code == 200
    families = {f.name: f.samples for f in text_string_to_metric_families(response.get_data(as_text=True))}
    assert families["clueguard_sync_lag_seconds"][0].value < 60
    assert families["clueguard_sync_waiting_here"][0].value == 1  # the new report, in no batch yet
    assert families["clueguard_reports"][0].value == 1
    requests = {(s.labels["endpoint"], s.labels["code"]) for s in families["clueguard_http_requests"]
                if s.labels["app"] == "sync"}
    assert ("sync", "200") in requests


def test_the_sync_endpoint_is_not_ready_unpaired(nodes) -> None:
    (nodes.intake.keys_dir / "sync-peer.pub").unlink()
    response = nodes.endpoint.get("/readyz")
    assert response.status_code == 503 and response.get_data(as_text=True) == "not ready: keys\n"


def test_the_internal_node_learns_what_waits_on_the_intake_node(nodes) -> None:
    nodes.sync()
    public = nodes.public()
    intake.submit_report(public, submission())
    intake.submit_report(public, submission())
    first = sync_round(nodes.internal_sync, nodes.send)  # takes the batch, not yet acknowledged
    assert first.received_items == 2
    assert first.peer_waiting is not None and first.peer_waiting["unacked_batches"] == 1
    assert first.peer_waiting["items"] == 0 and first.peer_waiting["oldest_unacked"]
    nodes.sync()
    _verdict, figures = sync_health(nodes.internal_sync)
    assert figures.waiting_on_peer == {"items": 0, "oldest_item": None, "oldest_unacked": None,
                                       "unacked_batches": 0}
    assert figures.status == "ok" and figures.lag_seconds is not None
