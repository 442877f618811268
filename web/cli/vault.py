"""``clueguard vault ...`` commands of the custodian lifecycle and unsealing (R10, R24).

Secrets are read from standard input, one a line, never from arguments (they would show in
``ps`` and shell history).
"""

from __future__ import annotations

import sys
from typing import Any

import click

from models.datadir import hybrid_upgrade
from models.identities.sealing import vault_threshold
from models.protection import custodian_lifecycle, unseal
from models.staff.accounts import require_pledge
from models.store.errors import ClueGuardError
from models.store.keys import finish_interrupted_promotion
from web.cli.support import fail, get_config, one_run_at_a_time, read_stdin_lines, staff_runtime


@click.command("passphrase")
@click.argument("username")
@click.pass_context
def passphrase(ctx: click.Context, username: str) -> None:
    """Change a custodian's passphrase: stdin gives the old, then the new one (two lines)."""
    old, new = read_stdin_lines(2)
    rt = staff_runtime(ctx)
    try:
        require_pledge(rt, username, "vault.passphrase")  # a person's act: the pledge within the year (R30)
        custodian_lifecycle.change_passphrase(rt, username, old, new, actor="cli")
    except ClueGuardError as err:
        fail(err)
        return
    click.echo(f"passphrase of {username} changed")


@click.command("redeal")
@click.option("--custodians", "custodians", required=True,
              help="The new custodian set: user names separated by commas.")
@click.option("--threshold", "-k", type=int, default=None, help="Approvals needed (default: unchanged).")
@click.option("--approver", "approvers", multiple=True, required=True,
              help="A current custodian who gives their passphrase (repeat; at least k).")
@click.option("--new", "new_members", multiple=True,
              help="A custodian who joins with a new passphrase (repeat).")
@click.pass_context
def redeal(ctx: click.Context, custodians: str, threshold: int | None, approvers: tuple[str, ...],
           new_members: tuple[str, ...]) -> None:
    """Re-deal every identity. stdin: one passphrase a line, approvers first, then new members."""
    rt = staff_runtime(ctx)
    secrets = read_stdin_lines(len(approvers) + len(new_members))
    names = [n.strip() for n in custodians.split(",") if n.strip()]
    k = threshold or vault_threshold(rt.stores) or 2
    try:
        for approver in approvers:  # each approver acts in person: the pledge within the year (R30)
            require_pledge(rt, approver, "vault.redeal")
        done = custodian_lifecycle.redeal_shares(
            rt, "cli", names, k, dict(zip(approvers, secrets[: len(approvers)], strict=True)),
            dict(zip(new_members, secrets[len(approvers):], strict=True)))
    except ClueGuardError as err:
        fail(err)
        return
    click.echo(f"re-dealt {done.identities} identities: {done.threshold} of {len(done.custodians)} custodians; "
               f"added {', '.join(done.added) or '-'}; retired {', '.join(done.retired) or '-'}")


@click.command("cleanup")
@click.pass_context
def cleanup(ctx: click.Context) -> None:
    """Expire unseal requests past their time and destroy re-sealed shares past their window."""
    rt = staff_runtime(ctx)
    with one_run_at_a_time(rt, "vault-cleanup"):
        done = unseal.expire_unseal_requests(rt, actor="cli")
    click.echo(f"expired {done.expired} request(s); destroyed the shares of {done.destroyed} request(s)")


class _Bars:
    """One progress bar per stage of the upgrade, on stderr (stdout stays for the summary)."""

    def __init__(self) -> None:
        self.bars: dict[str, Any] = {}
        self.shown: dict[str, int] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage not in self.bars:
            bar = click.progressbar(length=max(total, 1), label=f"re-sealing {stage}", file=sys.stderr)
            self.bars[stage], self.shown[stage] = bar.__enter__(), 0
        self.bars[stage].update(done - self.shown[stage])
        self.shown[stage] = done

    def close(self) -> None:
        for bar in self.bars.values():
            bar.__exit__(None, None, None)


@click.command("upgrade")
@click.option("--custodian", "custodians", multiple=True,
              help="An active custodian (repeat for every one): each re-keys with their own passphrase.")
@click.option("--auditor", "auditors", multiple=True, help="An auditor whose signing key is renewed (repeat).")
@click.pass_context
def upgrade(ctx: click.Context, custodians: tuple[str, ...], auditors: tuple[str, ...]) -> None:
    """Re-seal everything under hybrid post-quantum keys (R32); resumable, run with the apps stopped.

    stdin: one passphrase a line, the custodians' first, then the auditors'.
    """
    secrets = read_stdin_lines(len(custodians) + len(auditors))
    finish_interrupted_promotion(get_config(ctx))
    rt = staff_runtime(ctx)
    bars = _Bars()
    try:
        with one_run_at_a_time(rt, "vault-upgrade"):
            for name in (*custodians, *auditors):  # each acts in person: the pledge within the year (R30)
                require_pledge(rt, name, "vault.upgrade")
            done = hybrid_upgrade.upgrade_store(
                rt, dict(zip(custodians, secrets[: len(custodians)], strict=True)),
                dict(zip(auditors, secrets[len(custodians):], strict=True)), actor="cli", progress=bars)
    except ClueGuardError as err:
        fail(err)
        return
    finally:
        bars.close()
    click.echo(f"hybrid: re-sealed {done.data_keys} data keys, {done.meetings} meeting keys, "
               f"{done.identities} identities to {done.custodians} new custodian keys; "
               f"new auditor keys: {', '.join(done.auditors) or '-'}")


COMMANDS = (passphrase, redeal, cleanup, upgrade)
