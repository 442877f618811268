"""``clueguard staff list|deactivate|reactivate|unlock|reset-password|change|enroll``: accounts at the console.

The operator at the staff server acts as administrator (audited as ``cli``); the same rules as the
staff pages apply, from ``models.staff_admin``.
"""

from __future__ import annotations

import click
import pyotp

from models.administration import staff_admin
from models.staff import enrollment
from models.staff.accounts import ROLES, find_staff
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
@click.option("--accept-lost-requests", is_flag=True,
              help="Reset a protection officer even though their open unseal requests become unopenable.")
@click.pass_context
def staff_reset_password(ctx: click.Context, username: str, accept_lost_requests: bool) -> None:
    """Reset to a one-time enrollment code; a content-role account waits for its unit head."""
    from web.cli.main import print_outcome

    rt = staff_runtime(ctx)
    try:
        outcome = staff_admin.reset_password(rt, None, find_staff(rt, username).id, accept_lost_requests)
    except ClueGuardError as err:
        fail(err)
        return
    click.echo(f"reset requested for {username}")
    print_outcome(outcome)


@click.command("change")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), default=None)
@click.option("--unit", default=None)
@click.pass_context
def staff_change(ctx: click.Context, username: str, role: str | None, unit: str | None) -> None:
    """Change an account's role or unit; a content role or a move waits for the unit head."""
    from web.cli.main import print_outcome

    rt = staff_runtime(ctx)
    try:
        staff_id = find_staff(rt, username).id
        for value, act in ((role, staff_admin.change_role), (unit, staff_admin.change_unit)):
            if value:
                print_outcome(act(rt, None, staff_id, value))
    except ClueGuardError as err:
        fail(err)
        return
    click.echo(f"change recorded for {username}")


@click.command("enroll")
@click.argument("username")
@click.option("--stdin", "from_stdin", is_flag=True, required=True,
              help="Read the enrollment code, then the new password, from stdin (two lines).")
@click.pass_context
def staff_enroll(ctx: click.Context, username: str, from_stdin: bool) -> None:
    """The person enrolls at the console: sets their password and prints their new TOTP secret once."""
    code, password = read_stdin_lines(2)
    rt = staff_runtime(ctx)
    try:
        seed = enrollment.start_enrollment(rt, username, code)
    except ClueGuardError as err:
        fail(err)
        return
    try:
        # The person sits at the console and sees the seed printed below; the web flow instead
        # asks for a code to prove the authenticator app has it.
        enrollment.complete_enrollment(rt, username, code, password, pyotp.TOTP(seed).now())
    except ClueGuardError as err:
        fail(err)
        return
    click.echo(f"enrolled {username}")
    click.echo(f"totp-secret: {seed}")
    click.echo(f"totp-uri: {pyotp.TOTP(seed).provisioning_uri(name=username, issuer_name='ClueGuard')}")


COMMANDS = [staff_list, staff_deactivate, staff_reactivate, staff_unlock, staff_reset_password, staff_change,
            staff_enroll]
