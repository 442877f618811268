"""Benchmark: inbox and deadline board page times with 100 000 clues (``clueguard bench inbox``).

Seeds the clues, then signs in to the staff app (test client, in process) and times the pages.
Up to ``WORKFLOW_SEED_LIMIT`` clues are seeded through the workflow functions, as a store in
service got them (``seed_through_workflow``); more are written in bulk (``seed``, see why there).
Not a test: it reports p50/p95 and asserts nothing.
"""

from __future__ import annotations

import os
import random
import re
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import click
import pyotp
from sqlalchemy import Engine, create_engine, insert, text

import vault
from models.cases import transfer, workflow
from models.cases.tables import ClueTrack
from models.confidentiality.offices import set_intake_office
from models.datadir.schema import upgrade_all
from models.reporting.categories import CATEGORIES, SOURCES
from models.reporting.intake import Submission, submit_report
from models.reporting.registry import format_registry_no
from models.reporting.sealed import data_key_context, report_context
from models.reporting.tables import DataKey, RegistryCounter, Report
from models.staff.accounts import accept_pledge, add_staff
from models.staff.tables import Staff
from models.store.config import Config
from models.store.db import Stores
from models.store.keys import generate_intake_key
from models.store.runtime import Runtime, ensure_site_salt, open_runtime

UNITS = 20
HANDLERS_PER_UNIT = 2
PASSWORD = "bench-password-123"  # noqa: S105 - throwaway accounts in a temporary store # nosec B105
BATCH = 5000
# Roughly what a store a few years in looks like: most clues finished, a tail still moving.
STATES = [("archived", 35), ("closed", 25), ("not_accepted", 5), ("merged", 3), ("received", 6),
          ("registered", 6), ("checking", 8), ("concluded", 5), ("transferred", 5), ("feedback_received", 2)]
PAGE_TARGET_MS = 50.0
WARM_VARIANTS = 5  # the pages measure() cycles through
# Up to this many clues go through the workflow functions; more are written in bulk (see seed()).
WORKFLOW_SEED_LIMIT = 2000
# The acts that bring a received clue to each state, as the office does them.
PATHS: dict[str, tuple[str, ...]] = {
    "received": (), "registered": ("register",), "checking": ("register", "check"),
    "concluded": ("register", "check", "conclude_gang"), "not_accepted": ("register", "not_accept"),
    "merged": ("register", "merge"), "transferred": ("register", "check", "conclude_gang", "transfer"),
    "feedback_received": ("register", "check", "conclude_gang", "transfer", "feedback"),
    "closed": ("register", "check", "conclude", "close"),
    "archived": ("register", "check", "conclude", "close", "archive"),
}
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _staff(rt: Runtime) -> tuple[list[int], dict[int, list[int]], dict[str, Any]]:
    """Units with handlers, plus a unit head and a clerk of unit 1 to sign in as."""
    handlers: dict[int, list[int]] = {}
    people: dict[str, Any] = {}
    # Unit 01 is the intake office: its inbox holds the unregistered clues too (R20).
    set_intake_office(rt, "Unit 01", actor="bench")
    for u in range(1, UNITS + 1):
        for h in range(HANDLERS_PER_UNIT):
            acct = add_staff(rt, f"handler{u}_{h}", "intake", f"Unit {u:02d}", PASSWORD)
            with rt.stores.case() as session:
                staff = session.get(Staff, acct.staff_id)
                if staff is None or staff.unit_id is None:
                    raise click.ClickException("bench staff account missing")
                handlers.setdefault(staff.unit_id, []).append(staff.id)
            if u == 1 and h == 0:
                people["clerk"] = acct
    people["head"] = add_staff(rt, "head1", "unit_head", "Unit 01", PASSWORD)
    return sorted(handlers), handlers, people


def seed_through_workflow(rt: Runtime, count: int, seed_value: int = 5) -> dict[str, Any]:
    """Submit ``count`` clues and move each to its state with the workflow's own acts.

    Every row, track, period, record and audit event is what the office's acts write. Receipts
    are derived with cheap Argon2 settings: their cost is intake's (``bench intake``, ``bench
    served``), and the pages measured here never derive one. Returns the accounts to sign in as.
    """
    rng = random.Random(seed_value)  # noqa: S311 - reproducible test data, not security # nosec B311
    units, handlers, people = _staff(rt)
    heads = {units[0]: people["head"].staff_id}
    for u, unit_id in enumerate(units[1:], start=2):
        heads[unit_id] = add_staff(rt, f"head{u}", "unit_head", f"Unit {u:02d}", PASSWORD).staff_id
    for staff_id in [*heads.values(), *(h for hs in handlers.values() for h in hs)]:
        accept_pledge(rt, staff_id)
    authority = transfer.add_authority(rt, people["head"].staff_id, "Bench county police", "police")
    cheap = open_runtime(replace(rt.config, argon2=vault.CHEAP), staff_side=True, stores=rt.stores)
    clerk = handlers[units[0]][0]  # the intake office's: it registers what comes in (R20)
    categories, sources = list(CATEGORIES), list(SOURCES)
    states = [s for s, _w in STATES]
    weights = [w for _s, w in STATES]
    open_ids: dict[int, list[str]] = {}  # by unit: the clues a duplicate of that unit can be merged into
    for i in range(count):
        state = rng.choices(states, weights)[0]
        unit = rng.choice(units)
        handler = rng.choice(handlers[unit])
        if state == "merged" and not open_ids.get(unit):
            state = "registered"
        # A letter, visit or referral leaves early only after an approved conclusion (R15): the office's
        # early exits are clues from the public or the phone.
        source = rng.choice(["public", "phone"] if state in {"merged", "not_accepted"} else sources)
        report_id = submit_report(cheap, Submission(category=rng.choice(categories), notice_accepted=True,
                                                    description="placeholder", source=source)).report_id
        for act in PATHS[state]:
            if act == "register":
                workflow.register_clue(rt, clerk, report_id, unit, handler)
            elif act == "check":
                workflow.start_check(rt, handler, report_id)
                workflow.add_check_note(rt, handler, report_id, "check note")
            elif act in {"conclude", "conclude_gang"}:
                gang = act == "conclude_gang"
                workflow.conclude_check(rt, handler, report_id, "conclusion", gang_related=gang,
                                        shielding_official=False, transfer=gang)
                with rt.stores.case() as session:
                    pending = workflow.approval_pending(session.get(ClueTrack, report_id))
                if pending:
                    workflow.approve_conclusion(rt, heads[unit], report_id)
            elif act == "transfer":
                transfer.transfer_clue(rt, handler, report_id, authority, ["interview record"])
            elif act == "feedback":
                transfer.record_feedback(rt, handler, report_id, "feedback")
            elif act == "close":
                workflow.close_clue(rt, handler, report_id)
            elif act == "archive":
                workflow.archive_clue(rt, heads[unit], report_id)
            elif act == "not_accept":
                workflow.not_accept_clue(rt, handler, report_id, "no_facts")
            elif act == "merge":
                workflow.merge_clue(rt, handler, report_id, rng.choice(open_ids[unit]))
        if state in {"registered", "checking"}:
            open_ids.setdefault(unit, []).append(report_id)
        if (i + 1) % 100 == 0:
            click.echo(f"  seeded {i + 1}/{count}", err=True)
    return people


def seed(rt: Runtime, count: int, seed_value: int = 5) -> dict[str, Any]:
    """Insert ``count`` clues with tracks in bulk (valid ciphertext, no receipts).

    Why not through the workflow functions, as ``seed_through_workflow`` does: that costs one
    intake and up to seven acts a clue, each its own transaction with its audit event: about 35 ms
    a clue on SQLite on a shared 2-core machine (measured: 1 100 clues seeded in 60.5 s, 100 in
    25.8 s, the rest being the accounts), so 100 000 clues would take about an hour and the
    million-row seed of the scaling figures about ten hours. So above ``WORKFLOW_SEED_LIMIT`` this
    writes rows like the acts' by hand: each report has its own data key, really sealed to the
    intake key, and really encrypted placeholder content; tracks carry the states, units, handlers
    and due dates the acts set. It leaves out receipts, periods, records and audit events, and its
    dates are spread over two years where the acts' are today's.
    tests/test_bench_commands.py runs both seeds, so a page that came to need more would show.

    Returns the accounts to sign in as (their TOTP secrets are sealed in the store, R24).
    """
    rng = random.Random(seed_value)  # noqa: S311 - reproducible test data, not security # nosec B311
    units, handlers, people = _staff(rt)
    now = datetime.now(UTC)
    today = now.date()
    categories, sources = list(CATEGORIES), list(SOURCES)
    states = [s for s, _w in STATES]
    weights = [w for _s, w in STATES]
    year = now.year
    done = 0
    while done < count:
        reports, keys, tracks = [], [], []
        for i in range(done, min(count, done + BATCH)):
            report_id, key_id = str(uuid.uuid4()), str(uuid.uuid4())
            data_key = vault.new_data_key(rt.intake_public, data_key_context(report_id, key_id))
            state = rng.choices(states, weights)[0]
            created = now - timedelta(minutes=rng.randrange(0, 2 * 365 * 24 * 60))
            unit = None if state == "received" else rng.choice(units)
            reports.append({
                "id": report_id, "registry_no": format_registry_no(year, i + 1), "reg_year": year,
                "reg_seq": i + 1, "category": rng.choice(categories), "channel": "web",
                "source": rng.choice(sources), "state": state, "confidential": False, "unit_id": unit,
                "handler_id": rng.choice(handlers[unit]) if unit else None, "data_key_id": key_id,
                "content": vault.encrypt_blob(data_key.key, b'{"description": "placeholder"}',
                                              report_context(report_id)),
                "receipt_lookup": None, "reporter_public_key": None, "identity_id": None,
                "created_at": created, "updated_at": created,
            })
            keys.append({"id": key_id, "report_id": report_id, "sealed": data_key.sealed})
            if state != "received":
                handler_id = reports[-1]["handler_id"]
                due_kind: str | None = None
                due_on: date | None = None
                if state == "concluded" and rng.random() < 0.6:
                    due_kind, due_on = "transfer", today + timedelta(days=rng.randrange(-6, 8))
                elif state == "transferred" and rng.random() < 0.8:
                    due_kind, due_on = "feedback", today + timedelta(days=rng.randrange(-10, 40))
                registered = created + timedelta(hours=rng.randrange(1, 72))
                tracks.append({
                    "report_id": report_id, "registered_at": registered, "gang_related": due_kind == "transfer",
                    "needs_transfer": state in {"concluded", "transferred", "feedback_received"},
                    "mandatory_kinds": [], "due_kind": due_kind, "due_on": due_on,
                    "unit_id": unit, "handler_id": handler_id,  # the tracks' copy, as _assign writes it
                    "transferred_at": (registered + timedelta(days=rng.randrange(1, 12))
                                       if state in {"transferred", "feedback_received"} else None),
                })
        with rt.stores.case() as session:
            session.execute(insert(Report), reports)
            session.execute(insert(DataKey), keys)
            if tracks:
                session.execute(insert(ClueTrack), tracks)
        done += len(reports)
        click.echo(f"  seeded {done}/{count}", err=True)
    with rt.stores.case() as session:
        session.merge(RegistryCounter(year=year, last=count))
    return people


def _percentiles(samples: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return cuts[49] * 1000, cuts[94] * 1000


def _time(fn: Callable[[int], object], runs: int) -> tuple[float, float]:
    # Warm caches and pools once for each distinct request (the inbox cycles through pages 1-5):
    # otherwise the first visit of each page lands in the p95 as a cold read of its heap pages.
    for i in range(WARM_VARIANTS):
        fn(i)
    samples = []
    for i in range(runs):
        start = time.perf_counter()
        fn(i)
        samples.append(time.perf_counter() - start)
    return _percentiles(samples)


def _signed_in(app: Any, rt: Runtime, username: str, secret: str) -> Any:
    with rt.stores.case() as session:
        staff_id = session.query(Staff.id).filter_by(username=username).scalar()
    accept_pledge(rt, staff_id)
    client = app.test_client()
    token = _CSRF.search(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"csrf_token": token.group(1) if token else "", "username": username,
                                "password": PASSWORD, "totp": pyotp.TOTP(secret).now()})
    return client, staff_id


def measure(config: Config, rt: Runtime, people: dict[str, Any], runs: int,
            explained: list[str] | None = None) -> list[tuple[str, float, float]]:
    """p50/p95 in milliseconds of the inbox and the deadline board, for a unit head and a clerk."""
    from benchmarks.explain import explain, record_statements
    from web.staff import create_staff_app

    app = create_staff_app(config, rt)
    results = []
    for role, acct in (("unit head", people["head"]), ("intake clerk", people["clerk"])):
        username = "head1" if role == "unit head" else "handler1_0"
        client, staff_id = _signed_in(app, rt, username, acct.totp_secret)

        def page(path: str, c: Any = client) -> Callable[[int], object]:
            def get(i: int) -> object:
                response = c.get(path.format(page=1 + i % 5))
                if response.status_code != 200:
                    raise click.ClickException(f"{path} answered {response.status_code}")
                return response

            return get

        pages = ((f"inbox page /cases ({role})", "/cases?page={page}"),
                 (f"inbox filtered by state ({role})", "/cases?state=checking"),
                 (f"deadline board page /deadlines ({role})", "/deadlines"))
        for label, path in pages:
            results.append((label, *_time(page(path), runs)))
            if explained is not None:
                fetch = page(path)
                statements = record_statements(rt.stores.case_engine, partial(fetch, 0))
                explained.append(explain(rt.stores.case_engine, label, statements))
    return results


@contextmanager
def bench_stores(name: str, pg_url: str, workdir: Path) -> Iterator[Config]:
    data_dir = workdir / name
    if name == "sqlite":
        yield Config(data_dir=data_dir)
        return
    tag = f"cgbench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    sep = "&" if "?" in pg_url else "?"
    with admin.connect() as conn:
        for suffix in ("case", "vault"):
            conn.execute(text(f'CREATE SCHEMA "{tag}_{suffix}"'))
    try:
        yield Config(data_dir=data_dir, database_url=f"{pg_url}{sep}options=-csearch_path%3D{tag}_case",
                     vault_url=f"{pg_url}{sep}options=-csearch_path%3D{tag}_vault")
    finally:
        with admin.connect() as conn:
            for suffix in ("case", "vault"):
                conn.execute(text(f'DROP SCHEMA "{tag}_{suffix}" CASCADE'))
        admin.dispose()



@contextmanager
def bench_runtime(name: str, pg_url: str, workdir: Path) -> Iterator[tuple[Config, Runtime]]:
    """A new site on fresh stores (``bench_stores``): its intake key made, both stores migrated, and
    its staff-side runtime; the stores disposed of afterwards."""
    with bench_stores(name, pg_url, workdir) as config:
        config.data_dir.mkdir(parents=True)
        generate_intake_key(config)
        stores = Stores(config.database_url, config.vault_url)
        try:
            upgrade_all(stores)
            ensure_site_salt(stores)
            yield config, open_runtime(config, staff_side=True, stores=stores)
        finally:
            stores.dispose()

def settle(engine: Engine) -> None:
    """Bring a freshly seeded store to the state of one in service before timing it.

    A store in service has planner statistics and, on PostgreSQL, a visibility map that autovacuum
    keeps (index-only scans skip the heap). One seeded a minute ago has neither until autovacuum
    gets to it; settling it here keeps that pass out of the timing, whenever it would come.
    """
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
        return
    with engine.connect() as conn:
        conn.execute(text("ANALYZE"))
        conn.commit()


@click.command("inbox")
@click.option("--clues", default=100_000, show_default=True, help="How many clues to seed.")
@click.option("--runs", default=50, show_default=True, help="Requests per measured page.")
@click.option("--backend", "backends", multiple=True, type=click.Choice(["sqlite", "postgres"]),
              help="Which store(s) to measure (default: SQLite, and PostgreSQL if a URL is given).")
@click.option("--postgres-url", envvar="CLUEGUARD_BENCH_POSTGRES_URL", default="",
              help="PostgreSQL server for the run (fresh schemas are created and dropped).")
@click.option("--json", "json_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Add the figures to this JSON file.")
@click.option("--seed", "seed_with", type=click.Choice(["auto", "workflow", "bulk"]), default="auto",
              show_default=True, help=f"Through the workflow functions, or in bulk (auto: bulk above "
                                      f"{WORKFLOW_SEED_LIMIT} clues).")
@click.option("--explain", "explain_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write EXPLAIN ANALYZE of each page's slowest statements here (PostgreSQL).")
def inbox_bench(clues: int, runs: int, backends: tuple[str, ...], postgres_url: str,
                json_path: Path | None, explain_path: Path | None = None, seed_with: str = "auto") -> None:
    """Seed many clues and report p50/p95 times of the inbox and the deadline board."""
    from benchmarks.report import Report, Row

    report = Report()
    chosen = backends or (("sqlite", "postgres") if postgres_url else ("sqlite",))
    with tempfile.TemporaryDirectory(prefix="cgbench-") as tmp:
        for name in chosen:
            if name == "postgres" and not postgres_url:
                raise click.UsageError("--postgres-url (or CLUEGUARD_BENCH_POSTGRES_URL) is needed for PostgreSQL")
            with bench_runtime(name, postgres_url, Path(tmp)) as (config, rt):
                click.echo(f"[{name}] seeding {clues} clues ...", err=True)
                start = time.perf_counter()
                bulk = seed_with == "bulk" or (seed_with == "auto" and clues > WORKFLOW_SEED_LIMIT)
                accts = seed(rt, clues) if bulk else seed_through_workflow(rt, clues)
                settle(rt.stores.case_engine)
                click.echo(f"[{name}] seeded in {time.perf_counter() - start:.1f} s", err=True)
                explained: list[str] | None = [] if explain_path and name == "postgres" else None
                for label, p50, p95 in measure(config, rt, accts, runs, explained):
                    # The target: p95 under 50 ms, whatever the size of the store.
                    report.add(Row(f"{label} [{name}, {clues:,} clues]", runs, round(p50, 2), round(p95, 2),
                                   ratio=round(p95 / PAGE_TARGET_MS, 3), target="< 1 (50 ms)",
                                   meets=p95 < PAGE_TARGET_MS))
                if explained and explain_path:
                    explain_path.write_text(f"# EXPLAIN ANALYZE, {clues:,} clues on PostgreSQL\n\n"
                                            + "\n".join(explained))
    report.write(json_path)


if __name__ == "__main__":  # pragma: no cover
    inbox_bench()
