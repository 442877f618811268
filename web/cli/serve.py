"""Serving the two apps on gunicorn, and the demo: ``clueguard serve``, ``demo`` and ``totp``.

The public and staff apps are separate WSGI apps (R26); each runs under its own gunicorn master
so they can live on separate hosts. The demo starts both masters as child processes of one
command and stops both on Ctrl-C.
"""

from __future__ import annotations

import ipaddress
import multiprocessing
import os
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click
import pyotp
from flask import Flask
from gunicorn.app.base import BaseApplication

from models.store.config import Config
from models.store.runtime import Runtime
from web.cli.demo import THRESHOLD, DemoCredentials

APPS = ("public", "staff")
DEFAULT_PORTS = {"public": 5000, "staff": 5001}
DEFAULT_HOST = "127.0.0.1"


def cores() -> int:
    """The cores this process may run on (its CPU affinity where the system says, else all)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


# One worker per core, each with one hashing slot, so as many Argon2id runs go at once as there
# are cores: measured on the 2-core reference machine (docs/performance.md, "Choosing the shape"),
# 2 x 1 matched or beat 3 x 1 in each of six paired runs (served ratio 0.88-0.96 against 0.87-0.91,
# intake p95 0.7-1.2 s against 1.1-1.4 s); a third hash at once only made the three contend.
# Threads are cheap, so slow clients and pooled hashes never hold the threads a landing page needs.
DEFAULT_WORKERS = max(2, cores())
DEFAULT_THREADS = 32
STOP_GRACE_SECONDS = 10


def build_app(kind: str, config: Config) -> Flask:
    """The WSGI app for ``kind``; imported lazily so each process loads only its own side."""
    if kind == "staff":
        from web.staff import create_staff_app

        return create_staff_app(config)
    from web.public import create_public_app

    app: Flask = create_public_app(config)
    return app


def gunicorn_options(kind: str, host: str, port: int, workers: int,
                     threads: int = DEFAULT_THREADS) -> dict[str, Any]:
    """Gunicorn settings for one app: threaded workers (gthread)."""
    return {
        "bind": f"{host}:{port}",
        "workers": workers,
        # Threads, not sync workers: a request waiting for a hash, the database or a client's
        # upload must not hold the process (web/serving.py bounds hashing and slow bodies).
        "worker_class": "gthread",
        "threads": threads,
        "proc_name": f"clueguard-{kind}",
        # No access log by default: URLs and client addresses of reporters are not ours to keep.
        "accesslog": None,
        "errorlog": "-",
        # Uploads of several evidence files take a while on a slow phone connection.
        "timeout": 120,
        "graceful_timeout": STOP_GRACE_SECONDS,
        # Ctrl-C reaches the master and its workers at once (one process group). Workers leave
        # SIGINT to the master, whose quick stop then sends each worker one SIGQUIT: a worker
        # hit by both could hang in its exit until the master's SIGKILL (issue #27 item 14).
        "post_worker_init": _leave_interrupt_to_master,
        # gunicorn >= 24 opens a control socket in $HOME by default: one more door, and two
        # masters on one machine (the demo) would fight over its path.
        "control_socket_disable": True,
    }

def _leave_interrupt_to_master(_worker: Any) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


# Settings older gunicorn releases do not know; skipped there rather than failing.
NEWER_SETTINGS = frozenset({"control_socket_disable"})


class ClueGuardServer(BaseApplication):
    """One ClueGuard app under gunicorn; every worker builds its own app (own database pools)."""

    def __init__(self, kind: str, config: Config, options: dict[str, Any]) -> None:
        self.kind = kind
        self.config = config
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if key in NEWER_SETTINGS and key not in self.cfg.settings:
                continue
            self.cfg.set(key, value)

    def load(self) -> Flask:
        app = build_app(self.kind, self.config)
        # In the worker, after run_server chose the metrics directory: the counters' module is
        # loaded now rather than by the first request, which would wait for it.
        import web.prometheus  # noqa: F401

        return app


def check_app(kind: str, config: Config) -> None:
    """Build the app once before forking, so a missing key file fails here with a clear message."""
    app = build_app(kind, config)
    close_stores(app)


def close_stores(app: Flask) -> None:
    """Release the database connections an app opened (each app keeps its Runtime in extensions)."""
    for value in app.extensions.values():
        if isinstance(value, Runtime):
            value.stores.dispose()


def run_server(kind: str, config: Config, options: dict[str, Any]) -> None:
    """Run one gunicorn master until it is told to stop."""
    made = not os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    directory = use_metrics_dir(kind)
    try:
        ClueGuardServer(kind, config, options).run()
    finally:
        if made:
            shutil.rmtree(directory, ignore_errors=True)


# gunicorn's threads read request headers one connection at a time: a few hundred clients that
# send headers a byte at a time (slowloris) hold every thread. nginx (deploy/nginx) reads headers
# and bodies itself and is required in front of anything beyond loopback (docs/deployment.md).
NO_PROXY_WARNING = ("warning: listening on {host} without a reverse proxy (CLUEGUARD_PROXY_HOPS=0). "
                    "Slow clients can hold every server thread; put nginx with deploy/nginx in front "
                    "and listen on 127.0.0.1 (docs/deployment.md).")


def is_loopback(host: str) -> bool:
    """True for addresses only this machine can reach (127.0.0.0/8, ::1, localhost)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@click.command()
@click.argument("kind", type=click.Choice(APPS))
@click.option("--host", default=DEFAULT_HOST, show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=None,
              help="Port (default 5000 for public, 5001 for staff).")
@click.option("--workers", type=click.IntRange(1, 64), default=DEFAULT_WORKERS, show_default=True,
              help="Gunicorn worker processes (default: one per core, at least two).")
@click.option("--threads", type=click.IntRange(1, 512), default=DEFAULT_THREADS, show_default=True,
              help="Threads per worker (connections served at once by each process).")
@click.pass_context
def serve(ctx: click.Context, kind: str, host: str, port: int | None, workers: int, threads: int) -> None:
    """Serve the public or the staff app with gunicorn (put a TLS reverse proxy in front)."""
    from web.cli.support import get_config

    config = get_config(ctx)
    options = gunicorn_options(kind, host, DEFAULT_PORTS[kind] if port is None else port, workers, threads)
    options["child_exit"] = _worker_exited
    try:
        check_app(kind, config)
    except (OSError, RuntimeError) as err:
        raise click.ClickException(str(err)) from err
    if not config.proxy_hops and not is_loopback(host):
        click.echo(NO_PROXY_WARNING.format(host=host), err=True)
    run_server(kind, config, options)


def use_metrics_dir(kind: str) -> Path:
    """Let the workers' request counters add up in /metrics (prometheus-client's multiprocess
    mode): a directory of this server's own, emptied at start. It must be chosen before
    prometheus-client is first imported (web.prometheus, on a worker's first request)."""
    given = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if given:
        directory = Path(given)
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        for stale in directory.glob("*.db"):  # the counters of a previous run
            stale.unlink()
    else:
        directory = Path(tempfile.mkdtemp(prefix=f"clueguard-{kind}-metrics-"))
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(directory)
    if "prometheus_client" in sys.modules:  # too late for this process: say so, do not pretend
        click.echo("warning: /metrics counts per worker (prometheus-client was loaded early)", err=True)
    return directory


def _worker_exited(_server: Any, worker: Any) -> None:
    from web.prometheus import mark_worker_dead

    mark_worker_dead(worker.pid)


@click.command()
@click.argument("secret")
def totp(secret: str) -> None:
    """Print the current authenticator code for a TOTP SECRET (for demos and tests only)."""
    try:
        code = pyotp.TOTP(secret.replace(" ", "").upper())
        now = code.now()
    except ValueError as err:  # binascii.Error (a ValueError) for text that is not base32
        raise click.ClickException("not a TOTP secret (at least 16 base32 characters)") from err
    click.echo(now)
    left = code.interval - int(time.time()) % code.interval
    click.echo(f"valid for {left} more seconds; a code is accepted only once", err=True)


def _banner(creds: DemoCredentials, config: Config, host: str, ports: dict[str, int], serving: bool) -> str:
    line = "!" * 78
    out = [
        line,
        "!!  CLUEGUARD DEMO: NOT FOR REAL CLUES.",
        "!!  Every password, TOTP secret, passphrase and receipt code below is printed on",
        "!!  purpose and kept in plain text in the data directory. Never use this setup for",
        "!!  real reports; for a real installation see docs/operations.md.",
        line,
        f"data directory: {config.data_dir}" + ("  (reused)" if creds.reused else ""),
        "",
    ]
    if serving:
        out += [f"public app:  http://{host}:{ports['public']}/",
                f"staff app:   http://{host}:{ports['staff']}/", ""]
    out.append("staff accounts (sign in with user name, password and the authenticator code):")
    out.append(f"  {'user':<10} {'role':<19} {'password':<14} {'TOTP secret':<33} code now")
    for a in creds.accounts:
        out.append(f"  {a.username:<10} {a.role:<19} {a.password:<14} {a.totp_secret:<33} "
                   f"{pyotp.TOTP(a.totp_secret).now()}")
    out += [
        "  a code works once; for the next one run:  clueguard totp SECRET",
        "  (or add the secret to any authenticator app). First sign-in asks for the",
        "  confidentiality undertaking. These demo accounts are pre-enrolled at the console;",
        "  real ones get a one-time enrollment code (docs/security.md).",
        "",
        f"custodian vault: {THRESHOLD} of {len(creds.passphrases)} custodians must approve an unsealing; passphrases:",
    ]
    out += [f"  {name:<10} {pp}" for name, pp in creds.passphrases.items()]
    out += ["", "sample clues (registry number, receipt code for the public status page):"]
    out += [f"  {c.registry_no}  {c.receipt}  {c.summary}" for c in creds.clues]
    out.append(line)
    return "\n".join(out)


def _stop(processes: Sequence[multiprocessing.process.BaseProcess]) -> None:
    for proc in processes:
        if proc.is_alive():
            proc.terminate()  # SIGTERM: gunicorn finishes requests in flight, then exits
    deadline = time.monotonic() + STOP_GRACE_SECONDS + 2
    for proc in processes:
        proc.join(max(0.1, deadline - time.monotonic()))
        if proc.is_alive():
            proc.kill()
            proc.join()


def serve_together(config: Config, kinds: list[str], host: str, ports: dict[str, int], workers: int = 1) -> int:
    """Run one gunicorn master per app in child processes; stop all when one ends or on Ctrl-C."""
    for kind in kinds:
        check_app(kind, config)
    # spawn, not fork: the children must not inherit this process's database connections.
    mp = multiprocessing.get_context("spawn")
    processes = [mp.Process(target=run_server, name=f"clueguard-{kind}",
                            args=(kind, config, gunicorn_options(kind, host, ports[kind], workers)))
                 for kind in kinds]
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        for proc in processes:
            proc.start()
        while all(proc.is_alive() for proc in processes):
            time.sleep(0.3)
        return max(proc.exitcode or 0 for proc in processes if not proc.is_alive())
    except KeyboardInterrupt:
        return 0
    finally:
        _stop(processes)
        signal.signal(signal.SIGTERM, previous)


def _raise_interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


@click.command()
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=Path("demo-data"),
              show_default=True, help="Demo data directory (created or reused).")
@click.option("--host", default=DEFAULT_HOST, show_default=True)
@click.option("--public-port", type=click.IntRange(0, 65535), default=DEFAULT_PORTS["public"], show_default=True)
@click.option("--staff-port", type=click.IntRange(0, 65535), default=DEFAULT_PORTS["staff"], show_default=True)
@click.option("--no-serve", is_flag=True, help="Only set up the data directory and print the secrets.")
@click.pass_context
def demo(ctx: click.Context, data_dir: Path, host: str, public_port: int, staff_port: int, no_serve: bool) -> None:
    """Set up a DEMO (accounts, vault, sample clues; secrets printed) and serve both apps."""
    from web.cli.demo import config_with_data_dir, set_up_demo  # the demo's imports load only when used
    from web.cli.support import get_config

    config = config_with_data_dir(get_config(ctx), data_dir)
    try:
        creds = set_up_demo(config)
    except RuntimeError as err:
        raise click.ClickException(str(err)) from err
    ports = {"public": public_port, "staff": staff_port}
    click.echo(_banner(creds, config, host, ports, serving=not no_serve))
    if no_serve:
        return
    click.echo("serving; press Ctrl-C to stop both apps")
    code = serve_together(config, list(APPS), host, ports)
    click.echo("stopped")
    sys.exit(code)
