"""``clueguard deadlines`` (the R18 board, with escalation) and ``clueguard survey`` (R28)."""

from __future__ import annotations

from itertools import groupby

import click

from models.cases.deadlines import deadline_board, escalate_overdue, local_today
from models.cases.survey import run_monthly_survey
from models.store.errors import ClueGuardError
from models.store.runtime import Runtime, open_runtime
from web.cli.support import fail, get_config, one_run_at_a_time


def _runtime(ctx: click.Context) -> Runtime:
    # Neither command reads clue content: the public half of the intake key is enough.
    return open_runtime(get_config(ctx), staff_side=False)


@click.command("deadlines")
@click.option("--escalate", is_flag=True, help="Record an escalation to the unit head for each overdue item.")
@click.pass_context
def deadlines(ctx: click.Context, escalate: bool) -> None:
    """Print due-soon and overdue transfers and feedback, per unit and handler."""
    rt = _runtime(ctx)
    try:
        _print_board(rt, escalate)
    finally:
        rt.stores.dispose()


def _print_board(rt: Runtime, escalate: bool) -> None:
    items = deadline_board(rt)
    click.echo(f"deadlines on {local_today(rt.config).isoformat()} ({rt.config.timezone}): {len(items)} item(s)")
    ordered = sorted(items, key=lambda i: (i.unit_name, i.handler_name, i.due_on))
    for (unit, handler), rows in groupby(ordered, key=lambda i: (i.unit_name, i.handler_name)):
        click.echo(f"\n{unit or '(no unit)'} / {handler or '(no handler)'}")
        for i in rows:
            flag = " escalated" if i.escalated else ""
            click.echo(f"  {i.registry_no}  {i.kind:<8}  due {i.due_on.isoformat()}  {i.status}"
                       f" ({i.days_left:+d} days){flag}")
    if escalate:
        with one_run_at_a_time(rt, "deadline-escalation"):
            created = escalate_overdue(rt, actor="cli")
        click.echo(f"\nescalated {len(created)} overdue item(s) to their unit heads")


@click.command("survey")
@click.option("--month", default=None, help="YYYY-MM (default: this month in the configured time zone).")
@click.option("--size", type=int, default=None, help="How many clues to ask (default: config, else 10).")
@click.pass_context
def survey(ctx: click.Context, month: str | None, size: int | None) -> None:
    """Send this month's follow-up survey to a random sample of closed clues (R28)."""
    rt = _runtime(ctx)
    try:
        with one_run_at_a_time(rt, "monthly-survey"):
            asked = run_monthly_survey(rt, month, size)
    except ClueGuardError as err:
        fail(err)
        return
    finally:
        rt.stores.dispose()
    click.echo(f"follow-up survey sent for {len(asked)} closed clue(s)")
