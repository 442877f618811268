"""Where a public app keeps its runtime (settings, stores, public keys only): under the same
key as the staff app (``web.shared.RUNTIME_KEY``), so the serving layer finds either."""

from __future__ import annotations

from models.store.runtime import Runtime
from web.shared import RUNTIME_KEY, get_runtime

__all__ = ["RUNTIME_KEY", "current_runtime"]


def current_runtime() -> Runtime:
    """The runtime of the app handling this request."""
    return get_runtime()
