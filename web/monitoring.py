"""Health, readiness and figures for the operator: /healthz, /readyz and /metrics.

- ``/healthz``: the process answers (nothing else is checked).
- ``/readyz``: the databases, the keys this process needs and Redis (when configured) answer;
  503 with the names of the failing checks otherwise (names only, never an error text).
- ``/metrics``: the Prometheus text format, answered only to a peer in
  ``CLUEGUARD_METRICS_FROM`` (loopback by default) whose request came through no proxy (any
  ``X-Forwarded-For`` or ``Forwarded`` header: 404). Requests and latency per endpoint (the
  endpoint's name, never a path with an id in it), rate-limit refusals (429s), and, where the
  app passes ``figures``, counts and ages read from the database at scrape time
  (``models/datadir/figures.py``). Never content, never an address.

The counters live in ``web.prometheus``, imported on the first request rather than here:
prometheus-client picks its multiprocess mode when it is first imported, and ``clueguard
serve`` builds the app once in the gunicorn master before it chooses the directory
(``PROMETHEUS_MULTIPROC_DIR``) in which the workers' counters add up.
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Callable

import redis
from flask import Flask, Response, abort, g, request
from sqlalchemy import text

from models.datadir.figures import Figures
from models.store.runtime import Runtime

Check = Callable[[], bool]
OPEN_ENDPOINTS = {"monitoring.healthz", "monitoring.readyz", "monitoring.metrics"}
PROXY_HEADERS = ("X-Forwarded-For", "Forwarded", "X-Real-IP")
LOOPBACK = "127.0.0.0/8,::1/128"
REDIS_TIMEOUT_SECONDS = 2

def database_check(rt: Runtime) -> Check:
    """Both stores answer a query on a table of ours (an empty new file would not)."""

    def check() -> bool:
        with rt.stores.case_engine.connect() as conn:
            conn.execute(text("SELECT count(*) FROM site_settings"))
        with rt.stores.vault_engine.connect() as conn:
            conn.execute(text("SELECT count(*) FROM vault_settings"))
        return True

    return check


def redis_check(url: str | None) -> Check | None:
    if not url:
        return None

    def check() -> bool:
        client = redis.Redis.from_url(url, socket_timeout=REDIS_TIMEOUT_SECONDS,
                                      socket_connect_timeout=REDIS_TIMEOUT_SECONDS)
        try:
            return bool(client.ping())
        finally:
            client.close()

    return check


def _allowed(app: Flask) -> bool:
    if any(h in request.headers for h in PROXY_HEADERS):
        return False  # came through a proxy: from somewhere else, whatever the socket says
    peer = request.environ.get("werkzeug.proxy_fix.orig", {}).get("REMOTE_ADDR") or request.environ.get("REMOTE_ADDR")
    try:
        address = ipaddress.ip_address(peer or "")
    except ValueError:
        return False
    return any(address in net for net in app.config["CLUEGUARD_METRICS_FROM"])


def install_monitoring(app: Flask, name: str, checks: dict[str, Check | None],
                       figures: Callable[[], Figures] | None, metrics_from: str = LOOPBACK) -> None:
    """Add /healthz, /readyz and /metrics to ``app``, and count its requests."""
    app.config["CLUEGUARD_METRICS_FROM"] = [ipaddress.ip_network(n.strip(), strict=False)
                                            for n in metrics_from.split(",") if n.strip()]
    wanted = {k: v for k, v in checks.items() if v is not None}

    def start() -> None:
        g.monitoring_start = time.perf_counter()

    def count(response: Response) -> Response:
        endpoint = request.endpoint or "unknown"
        if endpoint in OPEN_ENDPOINTS:
            return response
        from web import prometheus

        started = g.get("monitoring_start")
        prometheus.count_request(name, endpoint, request.method, response.status_code,
                                 None if started is None else time.perf_counter() - started)
        return response

    app.before_request_funcs.setdefault(None, []).insert(0, start)
    app.after_request(count)

    def healthz() -> Response:
        """The process answers."""
        return Response("ok\n", mimetype="text/plain")

    def readyz() -> Response:
        """The databases, the keys and Redis answer."""
        failed = []
        for check_name, check in wanted.items():
            try:
                ok = check()
            except Exception:  # any failure means not ready; the text could carry a URL
                ok = False
            if not ok:
                failed.append(check_name)
        body = "ready\n" if not failed else "not ready: " + ", ".join(failed) + "\n"
        return Response(body, status=503 if failed else 200, mimetype="text/plain",
                        headers={"Cache-Control": "no-store"})

    def metrics() -> Response:
        """The Prometheus text format, to an allowed peer only."""
        if not _allowed(app):
            abort(404)
        from web import prometheus

        return Response(prometheus.scrape(figures), mimetype=prometheus.TEXT_FORMAT,
                        headers={"Cache-Control": "no-store"})

    for rule, view in (("/healthz", healthz), ("/readyz", readyz), ("/metrics", metrics)):
        app.add_url_rule(rule, f"monitoring.{view.__name__}", view, methods=["GET"])
