"""``clueguard confidentiality``: the lists an operator prints (R19, R21, R22) and the intake office.

``recall-list`` (copies still out, for the February recall), ``review-list`` (classification
periods ending within 90 days, archives due for destruction), ``destruction-register`` (CSV, the
登记造册: facts only, never content) and ``set-intake-office``. None of them reads clue content,
so they run without the intake private key.
"""

from __future__ import annotations

import sys

import click

from models.confidentiality.classification import review_list
from models.confidentiality.copies import list_copies
from models.confidentiality.destruction import register_entries
from models.confidentiality.offices import set_intake_office
from models.store import csvfile
from web.cli.support import public_runtime


@click.group("confidentiality")
def confidentiality() -> None:
    """Classification review, the copy recall list, the destruction register (R19–R22)."""


@confidentiality.command("recall-list")
@click.pass_context
def recall_list(ctx: click.Context) -> None:
    """Copies still outstanding (recalled each February), as CSV."""
    rt = public_runtime(ctx)
    try:
        with rt.stores.case() as session:
            rows = list_copies(session, outstanding_only=True)
        out = csvfile.writer(sys.stdout)
        out.writerow(["registry_no", "export_id", "copy", "of", "holder", "produced_at", "requested_at"])
        for c in rows:
            out.writerow([c.registry_no, c.export_id, c.n, c.of, c.holder,
                          c.issued_at.isoformat() if c.issued_at else "", c.requested_at.isoformat()])
    finally:
        rt.stores.dispose()


@confidentiality.command("review-list")
@click.pass_context
def review(ctx: click.Context) -> None:
    """Classification periods ending within 90 days and archives due for destruction, as CSV."""
    rt = public_runtime(ctx)
    try:
        with rt.stores.case() as session:
            items = review_list(session, rt.config)
        out = csvfile.writer(sys.stdout)
        out.writerow(["registry_no", "state", "level", "years", "due", "what"])
        for i in items:
            what = "declassify or extend" if i.kind == "period" else "due for destruction"
            out.writerow([i.registry_no, i.state, i.level, i.years, i.due.isoformat(), what])
    finally:
        rt.stores.dispose()


@confidentiality.command("destruction-register")
@click.pass_context
def destruction_register(ctx: click.Context) -> None:
    """The destruction register (登记造册) as CSV: facts only, never content."""
    rt = public_runtime(ctx)
    try:
        with rt.stores.case() as session:
            entries = register_entries(session)
        out = csvfile.writer(sys.stdout)
        out.writerow(["registry_no", "category", "level", "received_on", "requested_on", "approved_on",
                      "destroyed_at", "requester", "approver", "executor", "witness", "reason", "note"])
        for e in entries:
            out.writerow([e.registry_no, e.category, e.level, e.received_on.isoformat(), e.requested_on.isoformat(),
                          e.approved_on.isoformat(), e.destroyed_at.isoformat(), e.requester, e.approver,
                          e.executor, e.witness, e.reason, e.note])
    finally:
        rt.stores.dispose()


@confidentiality.command("set-intake-office")
@click.argument("unit")
@click.pass_context
def intake_office(ctx: click.Context, unit: str) -> None:
    """Flag UNIT as the intake office: clues not yet registered belong to it alone (R20)."""
    rt = public_runtime(ctx)
    try:
        set_intake_office(rt, unit)
    finally:
        rt.stores.dispose()
    click.echo(f"{unit} is the intake office")
