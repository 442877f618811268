"""Helpers every ``clueguard`` subcommand module uses (kept apart from the group to avoid cycles)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

import click

from models.store.config import Config, config_from_env
from models.store.errors import ClueGuardError, InvalidInput
from models.store.i18n import translate
from models.store.locks import job_lock
from models.store.runtime import Runtime, open_runtime


def get_config(ctx: click.Context) -> Config:
    root = ctx.find_root()
    if root.obj is None:
        root.obj = config_from_env()
    if not isinstance(root.obj, Config):
        raise click.UsageError("internal: the command context holds no Config")
    return root.obj


def _runtime(ctx: click.Context, staff_side: bool) -> Runtime:
    """One runtime per command invocation, its connections closed when the command ends."""
    rt = open_runtime(get_config(ctx), staff_side=staff_side)
    ctx.find_root().call_on_close(rt.stores.dispose)
    return rt


def staff_runtime(ctx: click.Context) -> Runtime:
    """The staff side's runtime (holds the intake private key)."""
    return _runtime(ctx, staff_side=True)


def public_runtime(ctx: click.Context) -> Runtime:
    """A runtime without the intake private key, for commands that need no content."""
    return _runtime(ctx, staff_side=False)


def fail(err: ClueGuardError) -> NoReturn:
    """Print a workflow error in English on stderr and exit non-zero."""
    detail = ""
    if isinstance(err, InvalidInput):
        detail = "".join(f"\n  {k}: {translate('en', v, **err.params)}" for k, v in err.errors.items())
    raise click.ClickException(translate("en", err.message, **err.params) + detail)


def read_stdin_lines(count: int) -> list[str]:
    lines = [line.rstrip("\r\n") for line in sys.stdin.read().splitlines()]
    if len(lines) < count:
        raise click.ClickException(f"expected {count} line(s) on standard input, got {len(lines)}")
    return lines[:count]


@contextmanager
def one_run_at_a_time(rt: Runtime, job: str) -> Iterator[None]:
    """Run a scheduled job's body only if no other host runs ``job`` now; else exit 0, skipped."""
    with job_lock(rt.stores.case_engine, job, rt.config.data_dir / "locks") as got:
        if not got:
            click.echo(f"{job}: another host is running it now; skipped")
            click.get_current_context().exit(0)
        yield
