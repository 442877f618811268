"""``clueguard audit verify|checkpoint|key``: the audit trail at the console (R23).

``verify`` needs no person (anyone with the server may check); ``checkpoint`` and ``key`` act for
an auditor, who gives their passphrase on standard input and must have accepted the pledge
within the year (R30), exactly as on the auditor's pages.
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from models.audit import mirror, receipt
from models.staff import auditing
from models.store.errors import ClueGuardError
from web.cli.support import fail, public_runtime, read_stdin_lines


@click.group("audit")
def audit_group() -> None:
    """The audit trail."""


def _load_receipt(path: Path) -> receipt.Receipt:
    try:
        return receipt.loads(path.read_text())
    except (OSError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"cannot read the receipt {path}: {exc}") from exc
    except receipt.BadReceipt as err:
        fail(err)
        raise  # unreachable: fail() exits


def _save_receipt(path: Path, kept: receipt.Receipt) -> None:
    """Replace the file in one step, readable by its owner only."""
    tmp = path.with_name(path.name + ".new")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(kept.dumps())
    os.replace(tmp, path)


@audit_group.command("verify")
@click.option("--trust", "trusted", multiple=True,
              help="A signing-key fingerprint you recognise (repeat); checkpoints by any other key fail.")
@click.option("--receipt", "receipt_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Your receipt from `audit checkpoint --receipt`: erased checkpoints, keys or events fail.")
@click.option("--mirror", "mirror_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The SIEM copy (CLUEGUARD_AUDIT_JSONL's file, or the syslog frames as kept): "
                   "events missing, extra or changed fail.")
@click.pass_context
def audit_verify(ctx: click.Context, trusted: tuple[str, ...], receipt_path: Path | None,
                 mirror_path: Path | None) -> None:
    """Check the hash chain end to end and every signed checkpoint; exit 1 on any problem."""
    kept = _load_receipt(receipt_path) if receipt_path else None
    copy = mirror.read_file(mirror_path) if mirror_path else None
    rt = public_runtime(ctx)
    with rt.stores.case() as session:
        result = auditing.verify_everything(session, set(trusted), kept, copy)
    if result.problems:
        for problem in result.problems:
            click.echo(problem, err=True)
        raise SystemExit(1)
    latest = result.latest
    click.echo(f"audit log intact: {result.events} events, {result.checkpoints} checkpoint(s)")
    if latest is None:
        click.echo("no checkpoint yet: run `clueguard audit checkpoint --auditor USER --passphrase-stdin`",
                   err=True)
    else:
        click.echo(f"latest checkpoint {latest.id}: event {latest.last_id} by {latest.auditor}, "
                   f"key {latest.fingerprint}")


@audit_group.command("checkpoint")
@click.option("--auditor", required=True, help="The auditor's user name.")
@click.option("--passphrase-stdin", is_flag=True, required=True, help="Read the passphrase from stdin.")
@click.option("--receipt", "receipt_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Your receipt file: the store is held against it first, then it is replaced by the new one.")
@click.pass_context
def audit_checkpoint(ctx: click.Context, auditor: str, passphrase_stdin: bool, receipt_path: Path | None) -> None:
    """Sign the chain's current head with the auditor's key (refused if the trail fails verification)."""
    [passphrase] = read_stdin_lines(1)
    previous = _load_receipt(receipt_path) if receipt_path and receipt_path.exists() else None
    try:
        if receipt_path is None:
            cp = auditing.checkpoint_trail(public_runtime(ctx), auditor, passphrase)
        else:
            cp, kept = auditing.checkpoint_with_receipt(public_runtime(ctx), auditor, passphrase, previous)
            _save_receipt(receipt_path, kept)
    except ClueGuardError as err:
        fail(err)
        return
    click.echo(f"checkpoint {cp.id}: event {cp.last_id} hash {cp.last_hash} signed by key {cp.fingerprint}")
    if receipt_path is not None:
        click.echo(f"receipt written to {receipt_path}: keep a copy offline and pass it to "
                   "`clueguard audit verify --receipt`")


@audit_group.command("key")
@click.option("--auditor", required=True, help="The auditor's user name.")
@click.option("--passphrase-stdin", is_flag=True, required=True, help="Read the new passphrase from stdin.")
@click.pass_context
def audit_key(ctx: click.Context, auditor: str, passphrase_stdin: bool) -> None:
    """Create a signing key for the auditor, wrapped by their passphrase; prints its fingerprint."""
    [passphrase] = read_stdin_lines(1)
    try:
        key = auditing.create_auditor_key(public_runtime(ctx), auditor, passphrase)
    except ClueGuardError as err:
        fail(err)
        return
    click.echo(f"signing key of {auditor}: {key.fingerprint}")
    click.echo("write this fingerprint down; pass it to `clueguard audit verify --trust` later")
