"""The intake node's sync endpoint: a tiny WSGI app apart from the public app (R26).

It answers one route, ``POST /sync``, and only packets signed by the paired internal node; it
never opens a connection itself and knows no address of the internal network. Beside it the
operator's ``/healthz``, ``/readyz`` and ``/metrics`` (loopback only: web/monitoring.py). Serve it on an
address only the internal node's side can reach (``clueguard sync serve``).
"""

from __future__ import annotations

import logging

from flask import Flask, Response, request

from models.datadir.figures import site_figures
from models.store.config import Config
from models.store.runtime import Runtime
from models.sync.exchange import answer_request, open_sync_runtime
from models.sync.keys import SyncKeyError, load_own_private, load_peer_public
from models.sync.packets import SyncRefused
from web.monitoring import database_check, install_monitoring
from web.shared import RUNTIME_KEY

log = logging.getLogger(__name__)
# Down batches carry statuses and sealed replies only; far below this.
MAX_REQUEST_BYTES = 64 * 1024 * 1024


def _paired(config: Config) -> bool:
    """This node's signing key and the internal node's public key are in place."""
    try:
        load_own_private(config)
        load_peer_public(config)
    except SyncKeyError:
        return False
    return True


def create_sync_app(config: Config, rt: Runtime | None = None) -> Flask:
    """Build the sync endpoint of an intake node."""
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST_BYTES
    runtime = rt or open_sync_runtime(config)
    app.extensions[RUNTIME_KEY] = runtime  # the key every app keeps its runtime under (web.shared)
    install_monitoring(app, "sync", {"database": database_check(runtime), "keys": lambda: _paired(config)},
                       figures=lambda: site_figures(runtime), metrics_from=config.metrics_from)

    @app.post("/sync")
    def sync() -> Response:
        """Answer one signed request from the internal node with a signed response."""
        try:
            answer = answer_request(runtime, request.get_data(cache=False))
        except SyncRefused as err:
            log.warning("sync request refused: %s", err.reason)
            return Response(err.reason + "\n", status=409, mimetype="text/plain")
        except SyncKeyError as err:
            log.error("sync keys: %s", err)
            return Response("this node is not paired\n", status=503, mimetype="text/plain")
        return Response(answer, mimetype="application/octet-stream")

    @app.errorhandler(404)
    @app.errorhandler(405)
    def nothing_here(_err: Exception) -> Response:
        return Response("not found\n", status=404, mimetype="text/plain")

    @app.errorhandler(500)
    def failed(_err: Exception) -> Response:
        # Every step is its own transaction: the internal node simply asks again.
        return Response("internal error; ask again\n", status=500, mimetype="text/plain")

    return app
