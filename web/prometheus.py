"""The Prometheus side of /metrics: request counters, and the figures read at scrape time.

Imported on first use (web/monitoring.py says why). With ``PROMETHEUS_MULTIPROC_DIR`` set
before this import, every gunicorn worker writes its counters to a file there and a scrape,
whichever worker answers it, adds them all up (prometheus-client's multiprocess mode). The
figures come from the database at scrape time, so they need no such thing.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from models.datadir.figures import Figures

TEXT_FORMAT = "text/plain; version=0.0.4; charset=utf-8"
MULTIPROCESS = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))  # as prometheus-client saw it

# Our own registry: in tests several apps share one process; in production one app a process.
OWN = CollectorRegistry(auto_describe=True)
REQUESTS = Counter("clueguard_http_requests", "HTTP requests answered, by endpoint and status code",
                   ["app", "endpoint", "method", "code"], registry=OWN)
LATENCY = Histogram("clueguard_http_request_duration_seconds", "Time to answer, by endpoint",
                    ["app", "endpoint"], registry=OWN,
                    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))
REFUSALS = Counter("clueguard_rate_limit_refusals", "Requests refused by a rate limit (HTTP 429)",
                   ["app", "endpoint"], registry=OWN)


def count_request(app: str, endpoint: str, method: str, code: int, seconds: float | None) -> None:
    REQUESTS.labels(app, endpoint, method, str(code)).inc()
    if seconds is not None:
        LATENCY.labels(app, endpoint).observe(seconds)
    if code == 429:
        REFUSALS.labels(app, endpoint).inc()


class _FiguresCollector(Collector):
    """Gauges read from the database when Prometheus asks."""

    def __init__(self, figures: Callable[[], Figures]) -> None:
        self.figures = figures

    def collect(self) -> Iterable[Metric]:
        f = self.figures()
        reports = GaugeMetricFamily("clueguard_reports", "Reports stored, by channel", labels=["channel"])
        for channel, n in sorted(f.reports_by_channel.items()):
            reports.add_metric([channel], n)
        yield reports
        plain: list[tuple[str, str, float | None]] = [
            ("clueguard_follow_ups", "Follow-ups from reporters stored", f.follow_ups),
            ("clueguard_deadlines_open", "Open transfer and feedback deadlines (R16-R18)", f.deadlines_open),
            ("clueguard_deadlines_overdue", "Deadlines past their due date", f.deadlines_overdue),
            ("clueguard_audit_chain_length", "Events in the audit hash chain", f.audit_events),
            ("clueguard_audit_checkpoint_age_seconds", "Age of the last signed audit checkpoint",
             f.checkpoint_age_seconds),
            ("clueguard_sync_lag_seconds", "Seconds since the last successful sync", f.sync_lag_seconds),
            ("clueguard_sync_oldest_unacknowledged_seconds",
             "Age of the oldest batch or item waiting on either node", f.sync_oldest_unacked_seconds),
            ("clueguard_sync_waiting_here", "Items and batches this node holds for its peer", f.sync_waiting_here),
            ("clueguard_sync_waiting_on_peer", "Items and batches the intake node held at the last sync",
             f.sync_waiting_on_peer),
        ]
        for name, doc, value in plain:
            if value is not None:  # unknown (never synced, no checkpoint): absent, alert on absent()
                yield GaugeMetricFamily(name, doc, value=value)


class _Own(Collector):
    """This process's counters (a single-process server, or tests)."""

    def collect(self) -> Iterator[Metric]:
        yield from OWN.collect()


def scrape(figures: Callable[[], Figures] | None) -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    if MULTIPROCESS:
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_Own())
    if figures is not None:
        registry.register(_FiguresCollector(figures))
    return generate_latest(registry)


def mark_worker_dead(pid: int) -> None:
    """Gunicorn's child_exit hook: a dead worker's live gauges go (its counters stay counted)."""
    if MULTIPROCESS:
        multiprocess.mark_process_dead(pid)
