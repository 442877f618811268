"""``clueguard sync``: pairing the two nodes of a split deployment, syncing them, air-gap files.

On the internal node ``sync run`` opens the only connection there is (to the intake node's sync
endpoint, ``sync serve``). Without any connection, ``sync export`` writes signed files that
``sync import`` on the other node reads. docs/split-deployment.md describes the whole set-up.
"""

from __future__ import annotations

import ssl
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import click
from flask import Flask
from gunicorn.app.base import BaseApplication

from models.confidentiality.offices import intake_office_names
from models.store.config import Config
from models.store.runtime import Runtime
from models.sync.exchange import (
    NotThisRole,
    describe,
    forget_peer,
    open_sync_runtime,
    require_role,
    sync_until_done,
)
from models.sync.files import SUFFIX, export_files, import_files
from models.sync.health import Thresholds, sync_health
from models.sync.keys import (
    PEER_PUBLIC,
    SyncKeyError,
    fingerprint,
    load_own_public,
    load_peer_public,
    pair_with,
    parse_key,
)
from models.sync.packets import SyncRefused
from web.cli.support import get_config, one_run_at_a_time

DEFAULT_PORT = 5002
TIMEOUT_SECONDS = 300
# One batch holds at most one submission past BATCH_BYTES (8 files of 20 MiB), base64-encoded.
MAX_ANSWER_BYTES = 512 * 1024 * 1024


def _runtime(ctx: click.Context) -> Runtime:
    try:
        rt = open_sync_runtime(get_config(ctx))
    except (NotThisRole, RuntimeError) as err:
        raise click.ClickException(str(err)) from err
    ctx.find_root().call_on_close(rt.stores.dispose)
    return rt


@click.group("sync")
def sync_group() -> None:
    """Split deployment: the intake node and the internal node (docs/split-deployment.md)."""


@sync_group.command("key")
@click.pass_context
def key(ctx: click.Context) -> None:
    """Print this node's sync public key, to give to the other node's `sync pair`, and its fingerprint."""
    try:
        public = load_own_public(get_config(ctx))
    except SyncKeyError as err:
        raise click.ClickException(str(err)) from err
    click.echo(public.hex())
    # On stderr, so that stdout stays exactly the key `sync pair` takes.
    click.echo(f"fingerprint: {fingerprint(public)} (read it to the other node's operator; "
               "`sync pair` shows the same)", err=True)


@sync_group.command("pair")
@click.argument("peer_key")
@click.option("--replace", is_flag=True, help="Replace an existing pairing.")
@click.option("--fingerprint", "expected", help="The fingerprint the other node's `sync key` showed: "
              "pair only if it matches (no question asked).")
@click.option("--yes", is_flag=True, help="Do not ask to confirm the fingerprint (it is still printed).")
@click.pass_context
def pair(ctx: click.Context, peer_key: str, replace: bool, expected: str | None, yes: bool) -> None:
    """Trust PEER_KEY (the other node's `sync key`), once its fingerprint matches the other node's."""
    config = get_config(ctx)
    try:
        key = parse_key(peer_key)
    except SyncKeyError as err:
        raise click.ClickException(str(err)) from err
    shown = fingerprint(key)
    click.echo(f"fingerprint of the key given: {shown}")
    if expected is not None:
        if "".join(expected.lower().replace(":", " ").split()) != shown.replace(":", ""):
            raise click.ClickException("the fingerprint does not match this key: nothing was paired "
                                       "(was the key copied whole, from the right node?)")
    elif not yes and not click.confirm("Does the other node's operator read this same fingerprint?"):
        raise click.ClickException("not paired: the fingerprints must match")
    try:
        before = load_peer_public(config) if (config.keys_dir / PEER_PUBLIC).exists() else None
        path = pair_with(config, key, replace)
    except SyncKeyError as err:
        raise click.ClickException(str(err)) from err
    if before is not None and before != key:
        forget_peer(_runtime(ctx))
        click.echo("a new peer: both streams start again at batch 1")
    click.echo(f"paired: {path}")


def http_sender(url: str, cafile: str | None = None) -> Any:
    """Carry a signed request to the intake node's endpoint and bring back its answer."""
    if not url.startswith(("http://", "https://")):
        raise click.ClickException("the intake node's URL must start with http:// or https://")
    endpoint = url.rstrip("/") + ("" if url.rstrip("/").endswith("/sync") else "/sync")
    # Packets are signed either way; TLS also hides the metadata in transit (its own CA allowed).
    tls = ssl.create_default_context(cafile=cafile) if endpoint.startswith("https:") else None

    def send(data: bytes) -> bytes:
        req = urllib.request.Request(endpoint, data=data, method="POST",  # noqa: S310 (the operator's URL)
                                     headers={"Content-Type": "application/octet-stream"})
        try:
            with urllib.request.urlopen(req, timeout=TIMEOUT_SECONDS, context=tls) as resp:  # noqa: S310 - http(s) only, checked when the URL is read # nosec B310
                answer = bytes(resp.read(MAX_ANSWER_BYTES + 1))
        except urllib.error.HTTPError as err:
            reason = err.read(2000).decode("utf-8", "replace").strip()[:500]
            raise click.ClickException(f"the intake node refused: {reason} (HTTP {err.code})") from err
        except (urllib.error.URLError, OSError) as err:
            raise click.ClickException(f"cannot reach the intake node at {endpoint}: {err}") from err
        if len(answer) > MAX_ANSWER_BYTES:
            raise click.ClickException("the intake node's answer is larger than any batch can be; refused")
        return answer

    return send


@sync_group.command("run")
@click.option("--url", default=None, help="The intake node's sync endpoint (default CLUEGUARD_SYNC_URL).")
@click.option("--cafile", default=None, type=click.Path(exists=True, dir_okay=False),
              help="CA certificate(s) to trust for an https URL (e.g. the intake node's own).")
@click.pass_context
def run(ctx: click.Context, url: str | None, cafile: str | None) -> None:
    """On the internal node: pull, store, acknowledge and push back until nothing is left."""
    rt = _runtime(ctx)
    target = url or rt.config.sync_url
    if not target:
        raise click.ClickException("no intake node URL: pass --url or set CLUEGUARD_SYNC_URL")
    try:
        require_role(rt.config, "internal")
    except NotThisRole as err:
        raise click.ClickException(str(err)) from err
    # A timer, cron and a hand may start runs at once: one runs, the others say so and exit 0.
    with one_run_at_a_time(rt, "sync-run"):
        try:
            rounds = sync_until_done(rt, http_sender(target, cafile))
        except (SyncRefused, SyncKeyError) as err:
            raise click.ClickException(str(err)) from err
    received = sum(r.received_items for r in rounds)
    sent = sum(1 for r in rounds if r.sent_batch)
    click.echo(f"sync done: {received} item(s) received, {sent} batch(es) sent, {len(rounds)} round(s)")
    _warn_without_intake_office(rt, received)


def _warn_without_intake_office(rt: Runtime, received: int) -> None:
    """Pulled clues belong to the intake office until registered (R20): without one nobody sees them."""
    if received and not intake_office_names(rt):
        click.echo("warning: no unit is the intake office, so no staff member sees the pulled clues; "
                   "run `clueguard confidentiality set-intake-office UNIT`", err=True)


@sync_group.command("export")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--again", is_flag=True, help="Write again every batch not acknowledged yet (a medium was lost).")
@click.pass_context
def export(ctx: click.Context, directory: Path, again: bool) -> None:
    """Air gap: write signed files for the other node into DIRECTORY."""
    rt = _runtime(ctx)
    try:
        paths = export_files(rt, directory, again)
    except (SyncRefused, SyncKeyError) as err:
        raise click.ClickException(str(err)) from err
    for path in paths:
        click.echo(f"wrote {path}")


@sync_group.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.pass_context
def import_(ctx: click.Context, paths: tuple[Path, ...]) -> None:
    """Air gap: import the other node's files (a directory means every file in it)."""
    rt = _runtime(ctx)
    files: list[Path] = []
    for path in paths:
        files.extend(sorted(path.glob(f"*{SUFFIX}")) if path.is_dir() else [path])
    try:
        results = import_files(rt, files)
    except (SyncRefused, SyncKeyError) as err:
        raise click.ClickException(str(err)) from err
    for result in results:
        click.echo(f"{result.path.name}: {result.message}", err=not result.accepted)
    if rt.config.role == "internal":
        _warn_without_intake_office(rt, sum(1 for r in results if r.accepted and "item(s)" in r.message))
    if not all(r.accepted for r in results):
        raise SystemExit(1)


@sync_group.command("status")
@click.option("--json", "as_json", is_flag=True,
              help="One JSON object; the exit code is the verdict: 0 ok, 1 warning, 2 critical.")
@click.option("--warn-lag", type=float, default=Thresholds.warn_lag, show_default=True,
              help="Seconds since the last successful sync before a warning.")
@click.option("--crit-lag", type=float, default=Thresholds.crit_lag, show_default=True,
              help="... before it is critical.")
@click.option("--warn-unacked", type=float, default=Thresholds.warn_unacked, show_default=True,
              help="Age in seconds of the oldest batch or item waiting on either node before a warning.")
@click.option("--crit-unacked", type=float, default=Thresholds.crit_unacked, show_default=True,
              help="... before it is critical.")
@click.pass_context
def status(ctx: click.Context, as_json: bool, warn_lag: float, crit_lag: float,
           warn_unacked: float, crit_unacked: float) -> None:
    """Where both streams stand on this node (--json: for a monitor)."""
    rt = _runtime(ctx)
    if not as_json:
        for line in describe(rt):
            click.echo(line)
        return
    verdict, figures = sync_health(rt, Thresholds(warn_lag, crit_lag, warn_unacked, crit_unacked))
    click.echo(figures.as_json())
    ctx.exit(verdict)


class SyncServer(BaseApplication):
    """The intake node's sync endpoint under gunicorn."""

    def __init__(self, config: Config, options: dict[str, Any]) -> None:
        self.config = config
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for name, value in self.options.items():
            if name in self.cfg.settings:
                self.cfg.set(name, value)

    def load(self) -> Flask:
        from web.sync import create_sync_app

        return create_sync_app(self.config)


@sync_group.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=DEFAULT_PORT, show_default=True)
@click.pass_context
def serve(ctx: click.Context, host: str, port: int) -> None:
    """On the intake node: answer the internal node's signed sync requests."""
    config = get_config(ctx)
    try:
        require_role(config, "intake")
        open_sync_runtime(config).stores.dispose()
    except (NotThisRole, RuntimeError) as err:
        raise click.ClickException(str(err)) from err
    SyncServer(config, {"bind": f"{host}:{port}", "workers": 1, "accesslog": None, "errorlog": "-",
                        "timeout": TIMEOUT_SECONDS, "proc_name": "clueguard-sync",
                        "control_socket_disable": True}).run()
