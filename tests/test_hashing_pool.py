"""web/serving.py's hashing pool: pooled views run in a few low-priority threads, others do not."""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from flask import Flask, g, request

from models.store.config import Config
from web.serving import HASH_NICENESS, serve_under_load


def _app(tmp_path: Path) -> Flask:
    app = Flask(__name__)
    seen: list[tuple[str, int, str]] = []
    app.config["SEEN"] = seen

    @app.before_request
    def _mark() -> None:
        g.marked = "before"

    @app.route("/hash", methods=["GET", "POST"])
    def hash_view() -> str:
        # What a view needs from its request thread is here: the request, its body and ``g``.
        nice = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
        seen.append((threading.current_thread().name, nice, g.marked))
        return request.get_data(as_text=True) or "get"

    serve_under_load(app, Config(data_dir=tmp_path, hash_slots=2), ["hash_view"])
    return app


def test_posts_run_in_the_pool_at_low_priority_and_gets_do_not(tmp_path: Path) -> None:
    app = _app(tmp_path)
    client = app.test_client()
    with ThreadPoolExecutor(6) as clients:
        answers = list(clients.map(lambda i: client.post("/hash", data=f"body {i}").get_data(as_text=True),
                                   range(12)))
    assert answers == [f"body {i}" for i in range(12)]
    seen = app.config["SEEN"]
    # At most two threads ever ran the view, both niced (the threads Argon2id starts inherit it).
    assert {name for name, _, _ in seen} <= {"clueguard-hash_0", "clueguard-hash_1"}
    assert {nice for _, nice, _ in seen} == {HASH_NICENESS}
    assert {mark for _, _, mark in seen} == {"before"}
    assert client.get("/hash").get_data(as_text=True) == "get"
    name, nice, _ = seen[-1]
    assert not name.startswith("clueguard-hash") and nice != HASH_NICENESS
