"""The ``clueguard`` command. Settings come from CLUEGUARD_* variables (or a Config in tests).

Subcommands live next to what they drive; this module wires them into one group.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import click

from models.administration import staff_admin
from models.administration.approvals import AccountOutcome
from models.confidentiality.offices import intake_office_names, set_intake_office
from models.datadir.setup import init_site
from models.protection.custodians import run_ceremony
from models.reporting.orphans import remove_orphans
from models.staff.accounts import CONTENT_ROLES, ROLES
from models.store.config import ROLES as ROLES_OF_NODES
from models.store.errors import ClueGuardError
from web.cli.support import fail, get_config, public_runtime, read_stdin_lines, staff_runtime

# The source checkout, when web/ is run from one: benchmarks/ sits beside it there, never in the wheel.
CHECKOUT = Path(__file__).resolve().parents[2]


def benchmarks_present() -> bool:
    """Whether this ``clueguard`` runs from a source checkout that has the benchmarks package."""
    return (CHECKOUT / "benchmarks" / "__init__.py").is_file()


class _Commands(click.Group):
    """The root group, plus ``bench`` where the benchmarks package is present (imported only when run).

    Loaded by name through importlib, so that nothing of the product imports benchmarks (an
    import-linter contract says so) and ``clueguard`` starts without its 1 100 lines.
    """

    def list_commands(self, ctx: click.Context) -> list[str]:
        names = super().list_commands(ctx)
        return sorted([*names, "bench"]) if benchmarks_present() else names

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name != "bench" or not benchmarks_present():
            return super().get_command(ctx, cmd_name)
        # An editable install's console script has the checkout's packages, not the checkout, on sys.path.
        if str(CHECKOUT) not in sys.path:
            sys.path.append(str(CHECKOUT))
        group: click.Command = importlib.import_module("benchmarks.cli").bench_group
        return group


@click.group(cls=_Commands)
@click.pass_context
def main(ctx: click.Context) -> None:
    """ClueGuard: take in clue reports and keep reporters safe."""
    get_config(ctx)


@main.command()
@click.option("--role", type=click.Choice(ROLES_OF_NODES), default=None,
              help="single site (default), or the intake or internal node of a split deployment.")
@click.option("--intake-office", default=None, metavar="UNIT",
              help="The unit whose staff see clues not yet registered (R20; created if new).")
@click.pass_context
def init(ctx: click.Context, role: str | None, intake_office: str | None) -> None:
    """Create the data directory, the intake key file and both databases (idempotent)."""
    config = get_config(ctx)
    if role is not None:
        config = ctx.find_root().obj = config.with_changes(role=role)
    if intake_office is not None and config.role == "intake":
        raise click.UsageError("--intake-office names a unit of the staff side; an intake node has none")
    try:
        init_site(config)
    except RuntimeError as err:
        raise click.ClickException(str(err)) from err
    click.echo(f"data directory ready: {config.data_dir} ({config.role} node)")
    if config.role == "intake":
        return
    rt = public_runtime(ctx)
    if intake_office is not None and intake_office.strip():
        set_intake_office(rt, intake_office)
    offices = intake_office_names(rt)
    if offices:
        click.echo(f"intake office: {', '.join(offices)}")
    else:
        click.echo("no intake office yet: new clues are seen by nobody until one is set "
                   "(`clueguard init --intake-office UNIT` or `clueguard confidentiality set-intake-office UNIT`)",
                   err=True)


@main.group()
def staff() -> None:
    """Staff accounts."""


@staff.command("add")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--unit", default=None, help="The unit (科室/单位) the account belongs to.")
@click.option("--name", "display_name", default="", help="Display name (defaults to USERNAME).")
@click.pass_context
def staff_add(ctx: click.Context, username: str, role: str, unit: str | None, display_name: str) -> None:
    """Add a staff account; prints a one-time enrollment code (or that the unit head must approve)."""
    if role in CONTENT_ROLES and not (unit or "").strip():
        raise click.UsageError(f"--role {role} reads clues, so it needs a unit whose head approves it: "
                               "add --unit UNIT (the intake office's unit, for those who take in new clues)")
    try:
        outcome = staff_admin.add_staff_account(staff_runtime(ctx), None, username, role, unit, display_name)
    except ClueGuardError as err:
        fail(err)
        return
    click.echo(f"created {username} ({role})")
    print_outcome(outcome)


def print_outcome(outcome: AccountOutcome) -> None:
    """An enrollment code (shown once) or the pending approval, for the console."""
    if outcome.code:
        click.echo(f"enrollment-code: {outcome.code}")
        click.echo("hand it to the person; they run `clueguard staff enroll` or open /enroll on the staff app")
    elif outcome.pending_change_id and outcome.by_administrators:
        click.echo(f"awaiting approval by another administrator (request {outcome.pending_change_id}); "
                   "the enrollment code goes to that administrator")
    elif outcome.pending_change_id:
        click.echo(f"awaiting approval by the head of {outcome.approver_unit} (request {outcome.pending_change_id})")
    if outcome.unopenable_requests:
        click.echo(f"{outcome.unopenable_requests} open unseal request(s) can no longer be opened", err=True)


@main.group("vault")
def vault_group() -> None:
    """The custodians' keys."""


@vault_group.command("ceremony")
@click.option("--threshold", "-k", type=int, required=True, help="Approvals needed (k >= 2).")
@click.argument("users", nargs=-1, required=True)
@click.option("--passphrases-stdin", is_flag=True, required=True,
              help="One passphrase a line, in the order of USERS.")
@click.pass_context
def ceremony(ctx: click.Context, threshold: int, users: tuple[str, ...], passphrases_stdin: bool) -> None:
    """Give each custodian a key pair wrapped by their own passphrase (k of n)."""
    passphrases = read_stdin_lines(len(users))
    try:
        run_ceremony(staff_runtime(ctx), threshold, list(zip(users, passphrases, strict=True)))
    except ClueGuardError as err:
        fail(err)
        return
    click.echo(f"vault ready: {threshold} of {len(users)} custodians must approve an unsealing")


@main.command()
@click.option("--fix", is_flag=True, help="Remove what it finds.")
@click.pass_context
def doctor(ctx: click.Context, fix: bool) -> None:
    """Find sealed identities that no report points to (left by a crash mid-intake)."""
    from models.reporting.orphans import find_orphans

    rt = public_runtime(ctx)
    if fix:
        click.echo(f"removed {remove_orphans(rt.stores)} orphaned sealed identities")
    else:
        click.echo(f"{len(find_orphans(rt.stores))} orphaned sealed identities (use --fix to remove)")


@main.command("backup")
@click.argument("dest", type=click.Path(path_type=Path))
@click.pass_context
def backup_command(ctx: click.Context, dest: Path) -> None:
    """Back up both stores and the key files into the new directory DEST."""
    from models.datadir.backup import backup

    rt = public_runtime(ctx)
    summary = backup(get_config(ctx), rt.stores, dest)
    click.echo(f"backup written to {dest}: {sum(summary.rows.values())} rows")
    click.echo("it holds the intake private key: keep it as safe as the server")


@main.command("restore")
@click.argument("src", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.pass_context
def restore_command(ctx: click.Context, src: Path) -> None:
    """Restore a backup into a new, empty site (run after `clueguard init`)."""
    from models.datadir.backup import restore
    from models.store.db import Stores

    config = get_config(ctx)
    init_site(config)
    stores = Stores(config.database_url, config.vault_url)
    ctx.call_on_close(stores.dispose)
    try:
        summary = restore(config, stores, src)
    except ClueGuardError as err:
        fail(err)
        return
    click.echo(f"restored {sum(summary.rows.values())} rows from {src}")


def _register_commands() -> None:
    # Imported here: these modules use this one's helpers (get_config, staff_runtime, fail).
    from bot.cli import bot_command
    from web.cli import confidentiality as confidentiality_cli
    from web.cli import staff as staff_cli
    from web.cli import vault as vault_cli
    from web.cli import workflow as workflow_cli
    from web.cli.audit import audit_group
    from web.cli.linking import index_group
    from web.cli.roles import roles_group
    from web.cli.serve import demo, serve, totp
    from web.cli.sync import sync_group

    main.add_command(audit_group)
    main.add_command(bot_command, "bot")
    main.add_command(workflow_cli.deadlines)
    main.add_command(workflow_cli.survey)
    main.add_command(confidentiality_cli.confidentiality)
    main.add_command(serve)
    main.add_command(roles_group)
    main.add_command(demo)
    main.add_command(totp)
    main.add_command(sync_group)
    main.add_command(index_group)
    for command in staff_cli.COMMANDS:
        staff.add_command(command)
    for command in vault_cli.COMMANDS:
        vault_group.add_command(command)


_register_commands()

if __name__ == "__main__":  # pragma: no cover
    main()
