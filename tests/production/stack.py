"""The production layout of ``deploy/`` on one machine, as docs/deployment.md describes it.

Two PostgreSQL databases made for the run (``cgprod_<random>_case`` and ``_vault``, owned by a
role of the same prefix), migrated by ``clueguard init`` as their owner; ``clueguard roles apply``
makes the three login roles; every server process connects as its own role, with the environment
of its file in ``deploy/env`` (only the addresses, paths and role prefix changed); ``clueguard
serve`` runs each app twice, as two hosts would (each its own data directory holding what that
host's files say it holds); Debian's nginx runs the files of ``deploy/nginx`` with only ports,
paths and certificates changed, in front of both instances of each app, with TLS from a CA made
for the run. Everything is dropped afterwards.
"""

from __future__ import annotations

import os
import signal
import ssl
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from benchmarks.layout import (
    CLUEGUARD,
    NGINX,
    THREADS,
    WORKERS,
    Databases,
    make_ca,
    new_prefix,
    owner_env,
    process_env,
    write_nginx,
)
from tests.sync.procs import wait_for_port

__all__ = ["CLUEGUARD", "NGINX", "Databases", "Stack", "make_ca", "new_prefix", "start_nginx"]

@dataclass
class Process:
    name: str
    proc: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


class ServerError(AssertionError):
    """A 5xx came back: the suite fails on any."""


@dataclass
class Stack:
    """Everything the run started; ``client`` speaks to nginx like a browser on its own address."""

    base: Path
    db: Databases
    redis_url: str
    tls: dict[str, Path] = field(default_factory=dict)
    ports: dict[str, int] = field(default_factory=dict)
    processes: list[Process] = field(default_factory=list)
    data_dirs: dict[str, Path] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    _next_address: int = 10

    # --- environments -----------------------------------------------------------------------

    def env(self, file: str, data_dir: Path, **extra: str) -> dict[str, str]:
        """The process environment of ``deploy/env/<file>.env`` on this machine."""
        return process_env(file, self.db, data_dir, self.redis_url, **extra)

    def owner_env(self, data_dir: Path) -> dict[str, str]:
        """The owner's connection: ``init``, ``roles apply``, backup and restore."""
        return owner_env(self.db, data_dir)

    def cli(self, args: list[str], env: dict[str, str], stdin: str | None = None,
            check: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run([CLUEGUARD, *args], env=env, input=stdin, capture_output=True, text=True,
                              timeout=300, check=False)
        if check and done.returncode != 0:
            raise AssertionError(f"clueguard {' '.join(args[:2])} failed ({done.returncode}): {done.stderr[-2000:]}")
        return done

    # --- processes ----------------------------------------------------------------------------

    def start(self, name: str, cmd: list[str], env: dict[str, str], port: int | None) -> Process:
        log = self.base / "logs" / f"{name}.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        started = Process(name, proc, log)
        self.processes.append(started)
        if port is not None:
            try:
                wait_for_port("127.0.0.1", port)
            except AssertionError:
                raise AssertionError(f"{name} did not start: {log.read_text()[-3000:]}") from None
        return started

    def serve(self, kind: str, host: str, port: int, wait: bool = True) -> Process:
        """``clueguard serve KIND`` of one host, with that host's environment file."""
        env = self.env(kind, self.data_dirs[host])
        return self.start(host, [CLUEGUARD, "serve", kind, "--host", "127.0.0.1", "--port", str(port),
                                 "--workers", str(WORKERS), "--threads", str(THREADS)], env, port if wait else None)

    def stop_all(self) -> None:
        """SIGTERM every process at once (gunicorn finishes what is in flight), then wait for each."""
        for proc in self.processes:
            if proc.proc.poll() is None:
                os.killpg(proc.proc.pid, signal.SIGTERM)
        for proc in reversed(self.processes):
            proc.stop()

    def tracebacks(self) -> list[str]:
        """Tracebacks any server process printed (an error answered as 4xx still logs none)."""
        found = []
        for proc in self.processes:
            if proc.log.exists() and "Traceback" in (body := proc.log.read_text(errors="replace")):
                found.append(f"{proc.name}:\n{body[-3000:]}")
        return found

    # --- clients ----------------------------------------------------------------------------

    def address(self) -> str:
        """A loopback network of its own for each client: nginx's per-address limits and the
        receipt budget per /24 network apply to it, as to reporters on different networks."""
        self._next_address += 1
        return f"127.{1 + self._next_address // 250}.{self._next_address % 250}.2"

    def client(self, site: str = "public", **kwargs: Any) -> httpx.Client:
        """A browser on its own address, over TLS to nginx, checking the test CA."""
        context = ssl.create_default_context(cafile=str(self.tls["ca"]))
        transport = httpx.HTTPTransport(verify=context, local_address=self.address())
        port = self.ports["https" if site == "public" else "staff"]
        return httpx.Client(base_url=f"https://127.0.0.1:{port}", transport=transport, timeout=60,
                            event_hooks={"response": [self._no_5xx]}, **kwargs)

    def _no_5xx(self, response: httpx.Response) -> None:
        if response.status_code >= 500:
            message = f"{response.request.method} {response.request.url.path} answered {response.status_code}"
            self.errors.append(message)
            raise ServerError(message)


def wait_until(check: Callable[[], bool], seconds: float = 30.0, what: str = "") -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def start_nginx(stack: Stack) -> None:
    """Debian's nginx with the shipped sites, rendered for this run."""
    ports = stack.ports
    upstreams = {"5000": [ports["public-a"], ports["public-b"]], "5001": [ports["staff-a"], ports["staff-b"]],
                 "8443": [ports["bot"]]}
    command = write_nginx(stack.base / "nginx", ports, upstreams, stack.tls)
    stack.start("nginx", command, dict(os.environ), ports["https"])
