"""Helpers to run the two nodes as separate processes: the CLI, the sync endpoint, a relay.

The relay sits on the wire between the internal node's ``sync run`` and the intake node's
``sync serve``, so a test can kill either process at a chosen step of a sync (not at a time).
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from benchmarks.served import free_port

CLUEGUARD = str(Path(sys.executable).with_name("clueguard"))
READY_SECONDS = 60


def node_env(data_dir: Path) -> dict[str, str]:
    """A node's environment: its own data directory, its role from the file init wrote."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLUEGUARD_")}
    env["CLUEGUARD_DATA_DIR"] = str(data_dir)
    return env


def wait_for_port(host: str, port: int, prefix: list[str] | None = None) -> None:
    """Until something listens (a readiness wait, not a timing assumption)."""
    deadline = time.monotonic() + READY_SECONDS
    probe = [*(prefix or []), sys.executable, "-c",
             f"import socket; socket.create_connection(({host!r}, {port}), timeout=2).close()"]
    while time.monotonic() < deadline:
        if prefix is None:
            try:
                socket.create_connection((host, port), timeout=2).close()
                return
            except OSError:
                pass
        elif subprocess.run(probe, capture_output=True, check=False).returncode == 0:
            return
        time.sleep(0.1)
    raise AssertionError(f"nothing listens on {host}:{port}")


class Endpoint:
    """``clueguard sync serve`` of an intake node, in its own process group."""

    def __init__(self, data_dir: Path, host: str = "127.0.0.1", port: int | None = None,
                 prefix: list[str] | None = None) -> None:
        self.data_dir, self.host, self.port, self.prefix = data_dir, host, port or free_port(), prefix
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Endpoint:
        cmd = [*(self.prefix or []), CLUEGUARD, "sync", "serve", "--host", self.host, "--port", str(self.port)]
        self.proc = subprocess.Popen(cmd, env=node_env(self.data_dir), start_new_session=True,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        wait_for_port(self.host, self.port, self.prefix)
        return self

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def kill(self) -> None:
        """SIGKILL the master and its workers at once."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
        if self.proc is not None and self.proc.stderr is not None:
            self.proc.stderr.close()


def sync_run(data_dir: Path, url: str, prefix: list[str] | None = None) -> subprocess.CompletedProcess[str]:
    """``clueguard sync run`` of the internal node, to completion."""
    return subprocess.run([*(prefix or []), CLUEGUARD, "sync", "run", "--url", url], env=node_env(data_dir),
                          capture_output=True, text=True, timeout=300, check=False)


def start_sync_run(data_dir: Path, url: str) -> subprocess.Popen[str]:
    return subprocess.Popen([CLUEGUARD, "sync", "run", "--url", url], env=node_env(data_dir),
                            start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def forward(url: str, body: bytes) -> tuple[int, bytes]:
    host, port = url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=300)
    conn.request("POST", "/sync", body, {"Content-Type": "application/octet-stream"})
    try:
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


Hook = Callable[[bytes], tuple[int, bytes]]


class Relay:
    """A man in the middle on loopback; ``hook`` decides what happens to each request."""

    def __init__(self, hook: Hook, after: Callable[[], None] | None = None) -> None:
        self.hook = hook
        self.after = after
        relay = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                try:
                    status, answer = relay.hook(body)
                except Exception:
                    self.close_connection = True
                    return
                self.send_response(status)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)
                self.wfile.flush()
                if relay.after is not None:
                    relay.after()

            def log_message(self, *_args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
