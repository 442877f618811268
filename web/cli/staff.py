"""``clueguard staff list|deactivate|reset-password|unlock``: account administration at the console.

The operator at the staff server acts as administrator (audited as ``cli``); the same rules as the
staff pages apply, from ``models.staff_admin``.
"""

from __future__ import annotations

import click

from models.administration import staff_admin
from models.staff.accounts import find_staff
from models.store.errors import ClueGuardError
from web.cli.support import fail, read_stdin_lines, staff_runtime


@click.command("list")
@click.pass_context
def staff_list(ctx: click.Context) -> None:
    """Every account: user name, role, unit, status and pledge date (never content)."""
    rt = staff_runtime(ctx)
    for row in staff_admin.list_staff(rt, None):
        status = "active" if row.active else "deactivated"
        if row.locked:
            status += ",locked"
        pledge = row.pledge_accepted_at.date().isoformat() if row.pledge_accepted_at else "-"
        click.echo(f"{row.username}\t{row.role}\t{row.unit or '-'}\t{status}\tpledge:{pledge}\t{row.display_name}")


@click.command("deactivate")
@click.argument("username")
@click.pass_context
def staff_deactivate(ctx: click.Context, username: str) -> None:
    """Deactivate an account; refused while it handles open clues or holds identity shares."""
    rt = staff_runtime(ctx)
    try:
        staff_admin.deactivate_staff(rt, None, find_staff(rt, username).id)
    except ClueGuardError as err:
        fail(err)
        return
    click.echo(f"deactivated {username}")


@click.command("reactivate")
@click.argument("username")
@click.pass_context
def staff_reactivate(ctx: click.Context, username: str) -> None:
    """Let a deactivated account sign in again."""
    rt = staff_runtime(ctx)
    try:
        staff_admin.reactivate_staff(rt, None, find_staff(rt, username).id)
    except ClueGuardError as err:
        fail(err)
        return
    click.echo(f"reactivated {username}")


@click.command("unlock")
@click.argument("username")
@click.pass_context
def staff_unlock(ctx: click.Context, username: str) -> None:
    """Clear a lockout after too many failed sign-ins."""
    rt = staff_runtime(ctx)
    try:
        staff_admin.unlock_staff(rt, None, find_staff(rt, username).id)
    except ClueGuardError as err:
        fail(err)
        return
    click.echo(f"unlocked {username}")


@click.command("reset-password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, required=True, help="Read the new password from stdin.")
@click.option("--accept-lost-requests", is_flag=True,
              help="Reset a protection officer even though their open unseal requests become unopenable.")
@click.pass_context
def staff_reset_password(ctx: click.Context, username: str, password_stdin: bool, accept_lost_requests: bool) -> None:
    """Set a new password and TOTP secret (printed once); an officer's key pair is replaced."""
    [password] = read_stdin_lines(1)
    rt = staff_runtime(ctx)
    try:
        creds = staff_admin.reset_password(rt, None, find_staff(rt, username).id, password, accept_lost_requests)
    except ClueGuardError as err:
        fail(err)
        return
    click.echo(f"password reset for {username}")
    click.echo(f"totp-secret: {creds.totp_secret}")
    click.echo(f"totp-uri: {creds.provisioning_uri()}")
    if creds.unopenable_requests:
        click.echo(f"{creds.unopenable_requests} open unseal request(s) can no longer be opened", err=True)


COMMANDS = [staff_list, staff_deactivate, staff_reactivate, staff_unlock, staff_reset_password]
