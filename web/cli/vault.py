"""``clueguard vault ...`` commands of the custodian lifecycle and unsealing (R10, R24).

Secrets are read from standard input, one a line, never from arguments (they would show in
``ps`` and shell history).
"""

from __future__ import annotations

import click

from models.identities.sealing import vault_threshold
from models.protection import custodian_lifecycle, unseal
from models.staff.accounts import require_pledge
from models.store.errors import ClueGuardError
from web.cli.support import fail, one_run_at_a_time, read_stdin_lines, staff_runtime


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


COMMANDS = (passphrase, redeal, cleanup)
