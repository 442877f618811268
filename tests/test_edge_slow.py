"""Slow clients (issue #21, finding 5): a trickled upload gets its 408 in time without a proxy, and
through the shipped nginx configuration 200 slowloris connections and a trickled upload leave the
landing page answering within a second. Every loop here is bounded; all traffic stays on loopback.
"""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import replace

import pytest

from models.store.config import Config
from models.store.db import Stores
from web.cli.bench_served import running_server

TRICKLE_BYTES = 12  # a byte every 2 s: 24 s at most


def _trickled_upload(port: int, stop: threading.Event, length: int = 2000, pause: float = 2.0) -> socket.socket:
    """Announce ``length`` bytes of JSON, then send one byte every ``pause`` seconds (bounded)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    sock.sendall((f"POST /api/v1/reports HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                  f"Content-Length: {length}\r\n\r\n").encode())

    def trickle() -> None:
        for _ in range(TRICKLE_BYTES):
            if stop.wait(pause):
                return
            try:
                sock.send(b" ")
            except OSError:
                return

    threading.Thread(target=trickle, daemon=True).start()
    return sock


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_trickled_upload_gets_408_by_its_deadline_without_a_proxy(config: Config, stores: Stores) -> None:
    # 2 s of grace plus 2000 bytes at 1000 bytes a second: the answer is due 4 s after the headers.
    served = replace(config, body_grace_seconds=2, body_min_rate=1000)
    stop = threading.Event()
    with running_server("public", served, workers=1, threads=4) as port:
        start = time.monotonic()
        sock = _trickled_upload(port, stop)
        try:
            answer = sock.makefile("rb").read()  # the server answers and closes: read to the end
        finally:
            stop.set()
            sock.close()
        took = time.monotonic() - start
    assert answer.split(b"\r\n", 1)[0].endswith(b"408 REQUEST TIMEOUT"), answer[:80]
    assert took < 8, took


@pytest.mark.parametrize(("host", "hops", "warned"), [("0.0.0.0", 0, True), ("192.0.2.10", 0, True),  # noqa: S104
                                                      ("::", 0, True), ("127.0.0.1", 0, False), ("::1", 0, False),
                                                      ("localhost", 0, False), ("0.0.0.0", 1, False)])  # noqa: S104
def test_serve_warns_when_it_listens_beyond_loopback_without_a_proxy(tmp_path, monkeypatch, host, hops,
                                                                       warned) -> None:
    from click.testing import CliRunner

    from web.cli import serve
    from web.cli.main import main

    monkeypatch.setattr(serve, "check_app", lambda kind, config: None)
    monkeypatch.setattr(serve, "run_server", lambda kind, config, options: None)
    config = Config(data_dir=tmp_path, proxy_hops=hops)
    result = CliRunner().invoke(main, ["serve", "public", "--host", host], obj=config)
    assert result.exit_code == 0, result.output
    assert ("without a reverse proxy" in result.output) is warned
