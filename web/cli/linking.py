"""``clueguard index``: the blind index of connecting clues (issue 24, docs/linking.md)."""

from __future__ import annotations

import sys
import time

import click

from models.linking import index
from web.cli.support import one_run_at_a_time, staff_runtime


@click.group("index")
def index_group() -> None:
    """The keyed blind index that connects clues naming the same people, places and numbers."""


@index_group.command("rebuild")
@click.option("--fresh", is_flag=True, help="Forget the whole index first (after a change of the intake key).")
@click.pass_context
def rebuild(ctx: click.Context, fresh: bool) -> None:
    """Index every clue not yet indexed (stop at any time; run again to resume)."""
    rt = staff_runtime(ctx)
    started = time.perf_counter()
    bar = None
    shown = 0

    def progress(done: int, total: int) -> None:
        nonlocal bar, shown
        if bar is None:
            bar = click.progressbar(length=max(total, 1), label="indexing clues", file=sys.stderr).__enter__()
        bar.update(done - shown)
        shown = done

    with one_run_at_a_time(rt, "index-rebuild"):
        count = index.rebuild(rt, fresh=fresh, progress=progress)
    if bar is not None:
        bar.__exit__(None, None, None)
    seconds = time.perf_counter() - started
    click.echo(f"indexed {count} clue(s) in {seconds:.1f} s ({count / max(seconds, 1e-9):.0f} clues/s)")
