"""Where a public app keeps its runtime (settings, stores, public keys only)."""

from __future__ import annotations

from flask import current_app

from models.store.runtime import Runtime

RUNTIME_KEY = "clueguard_runtime"


def current_runtime() -> Runtime:
    """The runtime of the app handling this request."""
    runtime: Runtime = current_app.extensions[RUNTIME_KEY]
    return runtime
