"""Benchmark: connecting clues (issue 24) at scale (``clueguard bench linking``).

What it measures, through the real code: ``search()`` by an official's name (the whole call: actor
check, catch-up query, token lookup, need-to-know, its audit events) for the clerk who reads every
hit and for another unit's clerk (nothing shown, flagged), at each size of the index; the ratio of
the largest size's p95 to the smallest's; the time a new clue adds when the staff side first looks
across clues after it arrived (``catch_up`` indexing one clue); and the rate of
``clueguard index rebuild`` over clues submitted through intake.

How the store is filled: a few hundred clues go through intake (``submit_report``) and the
workflow (``register_clue``), with real content and names, and are indexed by the real
``rebuild``; 11 of them name the official searched for. The rest, up to a million, is written in
bulk: report rows with placeholder content (never opened: they are marked indexed), their
``clue_indexed`` rows and 8 index tokens each (2 people, 1 official, 1 unit, 3 places, 1 phone)
drawn from vocabularies with the skew of real reports (a few officials and places named very
often, most people once), by COPY on PostgreSQL. Seeding a million clues through intake would take
hours (``benchmarks/inbox.py``, ``seed``); the search reads only the index and the rows of its hits.
"""

from __future__ import annotations

import random
import tempfile
import time
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import click
from sqlalchemy import insert

import vault
from benchmarks.inbox import bench_runtime, settle
from benchmarks.report import JSON_OPTION, Report, Row, timed
from models.cases import workflow
from models.confidentiality.offices import set_intake_office
from models.linking import index, search
from models.linking.tables import ClueIndexed, ClueToken
from models.reporting.intake import Person, Submission, submit_report
from models.reporting.registry import format_registry_no
from models.reporting.tables import Report as ReportRow
from models.staff.accounts import add_staff
from models.staff.tables import Staff
from models.store.runtime import Runtime, open_runtime

OFFICIAL = "钱多多"
NAMING = 11  # clues naming the official searched for, as in the reported case
SEARCH_TARGET_MS = 50.0
SCALING_TARGET = 1.5
INDEX_TARGET_MS = 5.0
BATCH = 20_000
# (kind, tokens per clue, vocabulary per clue, Zipf exponent): 8 tokens a clue.
SHAPE = (("person", 2, 1.2, 0.6), ("official", 1, 0.1, 1.0), ("organisation", 1, 0.02, 1.0),
         ("place", 1, 0.005, 1.0), ("place", 1, 0.0005, 1.0), ("place", 1, 0.00005, 0.8),
         ("phone", 1, 1.0, 0.5))
NAMES = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜"


class Vocabulary:
    """Random 16-byte tokens standing for values, drawn with a Zipf skew (rank r weighs 1/r^s)."""

    def __init__(self, rng: random.Random, size: int, skew: float) -> None:
        self.tokens = [rng.randbytes(16) for _ in range(max(size, 1))]
        total, self.cum = 0.0, []
        for rank in range(1, len(self.tokens) + 1):
            total += 1 / rank**skew
            self.cum.append(total)

    def draw(self, rng: random.Random, k: int) -> list[bytes]:
        return rng.choices(self.tokens, cum_weights=self.cum, k=k)


def _accounts(rt: Runtime) -> dict[str, int]:
    """The intake office's clerk (reads every hit), another unit's clerk, and the office director."""
    set_intake_office(rt, "Unit 01", actor="bench")
    ids = {}
    for key, role, unit in (("clerk", "intake", "Unit 01"), ("other", "intake", "Unit 02"),
                            ("head", "unit_head", "Unit 01")):
        ids[key] = add_staff(rt, f"bench-{key}", role, unit, "bench-password-123").staff_id
    return ids


def _unit_of(rt: Runtime, staff_id: int) -> int:
    with rt.stores.case() as session:
        staff = session.get(Staff, staff_id)
        if staff is None or staff.unit_id is None:
            raise click.ClickException("bench staff account missing")
        return staff.unit_id


def seed_real(rt: Runtime, people: dict[str, int], count: int, seed_value: int = 7) -> list[str]:
    """``count`` clues through intake and registration, ``NAMING`` of them naming the official."""
    rng = random.Random(seed_value)  # noqa: S311 - reproducible test data, not security # nosec B311
    cheap = open_runtime(replace(rt.config, argon2=vault.CHEAP), staff_side=True, stores=rt.stores)
    unit = _unit_of(rt, people["clerk"])
    ids = []
    for i in range(count):
        officials = [Person(name=OFFICIAL, unit="某镇派出所")] if i % max(count // NAMING, 1) == 0 and \
            i // max(count // NAMING, 1) < NAMING else [Person(name=rng.choice(NAMES) + rng.choice(NAMES))]
        clue = Submission(category="usury", notice_accepted=True, location=f"东山县{rng.choice(NAMES)}镇",
                          description=f"电话1{rng.randrange(3, 10)}{rng.randrange(10**8, 10**9)}，每天上门威胁。",
                          reported=[Person(name=rng.choice(NAMES) + rng.choice(NAMES) + rng.choice(NAMES))],
                          shielding=officials)
        report_id = submit_report(cheap, clue).report_id
        workflow.register_clue(rt, people["clerk"], report_id, unit, people["clerk"])
        ids.append(report_id)
    return ids


def seed_bulk(rt: Runtime, start: int, count: int, rng: random.Random, vocab: dict[int, Vocabulary],
              largest: int) -> None:
    """``count`` more clues written straight into the reports and index tables (see the docstring).

    Their dates rise with their order over two years up to a day ago (``largest`` clues in all), as
    a store in service appends them: the newest clues lie together, as the catch-up finds them."""
    now = datetime.now(UTC)
    step = timedelta(days=2 * 365) / max(largest, 1)
    year = now.year - 1  # their registry numbers never meet the intake's own (this year's)
    engine = rt.stores.case_engine
    done = 0
    while done < count:
        n = min(BATCH, count - done)
        reports, indexed, tokens = [], [], []
        for i in range(start + done, start + done + n):
            report_id = str(uuid.uuid4())
            created = now - timedelta(days=1) - step * (largest - i)
            reports.append((report_id, format_registry_no(year, i + 1), year, i + 1, "usury", "web", "public",
                            "archived", False, None, None, str(uuid.uuid4()), b"placeholder", created, created))
            indexed.append((report_id, now))
        for slot, (kind, per, _size, _skew) in enumerate(SHAPE):
            drawn = vocab[slot].draw(rng, n * per)
            tokens += [(reports[j // per][0], kind, drawn[j]) for j in range(n * per)]
        _copy(engine, "reports", ("id", "registry_no", "reg_year", "reg_seq", "category", "channel", "source",
                                  "state", "confidential", "unit_id", "handler_id", "data_key_id", "content",
                                  "created_at", "updated_at"), reports)
        _copy(engine, "clue_indexed", ("report_id", "indexed_at"), indexed)
        _copy(engine, "clue_tokens", ("report_id", "kind", "token"), tokens)
        done += n
        click.echo(f"  bulk {start + done:,}", err=True)


def _copy(engine: Any, table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    """COPY on PostgreSQL; an executemany elsewhere (the small SQLite runs of the tests)."""
    if engine.dialect.name == "postgresql":
        raw = engine.raw_connection()
        try:
            with raw.driver_connection.cursor() as cur, \
                    cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            raw.commit()
        finally:
            raw.close()
        return
    target = {"reports": ReportRow, "clue_indexed": ClueIndexed, "clue_tokens": ClueToken}[table]
    with engine.begin() as conn:
        conn.execute(insert(target), [dict(zip(columns, row, strict=True)) for row in rows])


def _search_rows(report: Report, rt: Runtime, people: dict[str, int], size: int, runs: int) -> dict[str, float]:
    p95 = {}
    for who, label in (("clerk", "the clerk reading all 11 hits"), ("other", "another unit's clerk, flagged")):
        def once(who: str = who) -> object:
            return search.search(rt, people[who], OFFICIAL)

        found = search.search(rt, people[who], OFFICIAL)  # warm, and check what it finds
        if who == "clerk" and len(found.hits) != NAMING:
            raise click.ClickException(f"the search found {len(found.hits)} clues, not {NAMING}")
        for _ in range(2):
            once()
        row = Row.of(f"search by name, {label} [{rt.stores.case_engine.dialect.name}, {size:,} clues]",
                     timed(once, runs))
        row.ratio, row.target = round(row.p95_ms / SEARCH_TARGET_MS, 3), "< 1 (50 ms)"
        row.meets = row.p95_ms < SEARCH_TARGET_MS
        p95[who] = report.add(row).p95_ms
    return p95


def _index_row(report: Report, rt: Runtime, people: dict[str, int], rounds: int, size: int) -> None:
    """What one new clue adds: the catch-up that indexes it when the staff side next looks across clues."""
    samples = []
    cheap = open_runtime(replace(rt.config, argon2=vault.CHEAP), staff_side=True, stores=rt.stores)
    for i in range(rounds):
        submit_report(cheap, Submission(category="usury", notice_accepted=True,
                                        description=f"第{i}条，电话13800138{i:03d}",
                                        reported=[Person(name=f"新{NAMES[i % len(NAMES)]}")], shielding=[]))
        start = time.perf_counter()
        with rt.stores.case() as session:
            if index.catch_up(rt, session) != 1:
                raise click.ClickException("the catch-up did not index exactly the new clue")
        samples.append((time.perf_counter() - start) * 1000)
    idle = timed(lambda: _catch_up(rt), rounds)
    db = rt.stores.case_engine.dialect.name
    row = Row.of(f"index a new clue (catch-up of one) [{db}, {size:,} clues]", samples)
    row.ratio, row.target = round(row.p95_ms / INDEX_TARGET_MS, 3), "< 1 (5 ms)"
    row.meets = row.p95_ms < INDEX_TARGET_MS
    report.add(row)
    report.add(Row.of(f"catch-up with nothing waiting [{db}, {size:,} clues]", idle))


def _catch_up(rt: Runtime) -> None:
    with rt.stores.case() as session:
        index.catch_up(rt, session)


@click.command("linking")
@click.option("--sizes", default="2000,20000", show_default=True,
              help="Sizes of the index to measure at, ascending (e.g. 100000,1000000).")
@click.option("--real", default=300, show_default=True, help="Clues seeded through intake (rebuild rate).")
@click.option("--runs", default=40, show_default=True, help="Searches timed per size and searcher.")
@click.option("--backend", type=click.Choice(["sqlite", "postgres"]), default=None,
              help="Default: PostgreSQL if a URL is given, else SQLite.")
@click.option("--postgres-url", envvar="CLUEGUARD_BENCH_POSTGRES_URL", default="",
              help="PostgreSQL server for the run (fresh schemas are created and dropped).")
@click.option("--explain", "explain_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write EXPLAIN ANALYZE of the search's slowest statements at the largest size (PostgreSQL).")
@JSON_OPTION
def linking_bench(sizes: str, real: int, runs: int, backend: str | None, postgres_url: str,
                  explain_path: Path | None, json_path: Path | None) -> None:
    """Search by name across the blind index at each size, the index time a clue adds, the rebuild rate."""
    wanted = sorted(int(s) for s in sizes.split(",") if s.strip())
    name = backend or ("postgres" if postgres_url else "sqlite")
    if name == "postgres" and not postgres_url:
        raise click.UsageError("--postgres-url (or CLUEGUARD_BENCH_POSTGRES_URL) is needed for PostgreSQL")
    if not wanted or wanted[0] < real:
        raise click.UsageError("every size must be at least --real")
    report = Report(settings={"linking_sizes": wanted, "linking_real_clues": real})
    rng = random.Random(5)  # noqa: S311 - reproducible test data, not security # nosec B311
    vocab = {slot: Vocabulary(rng, int(wanted[-1] * size), skew) for slot, (_k, _p, size, skew) in enumerate(SHAPE)}
    with tempfile.TemporaryDirectory(prefix="cgbench-") as tmp, \
            bench_runtime(name, postgres_url, Path(tmp)) as (_config, rt):
        people = _accounts(rt)
        click.echo(f"[{name}] {real} clues through intake ...", err=True)
        seed_real(rt, people, real)
        start = time.perf_counter()
        indexed = index.rebuild(rt)
        seconds = time.perf_counter() - start
        report.add(Row(f"index rebuild, clues through intake [{name}]", indexed, round(seconds * 1000 / indexed, 2),
                       round(seconds * 1000 / indexed, 2), rate_per_s=round(indexed / seconds, 1)))
        have, p95s = real, {}
        for size in wanted:
            seed_bulk(rt, have, size - have, rng, vocab, wanted[-1])
            have = size
            settle(rt.stores.case_engine)
            p95s[size] = _search_rows(report, rt, people, size, runs)
        if len(wanted) > 1:
            for who in ("clerk", "other"):
                ratio = round(p95s[wanted[-1]][who] / p95s[wanted[0]][who], 2)
                report.add(Row(f"search p95 {wanted[-1]:,} / {wanted[0]:,} clues, {who} [{name}]", runs,
                               p95s[wanted[0]][who], p95s[wanted[-1]][who], ratio=ratio,
                               target=f"≤ {SCALING_TARGET}", meets=ratio <= SCALING_TARGET))
        _index_row(report, rt, people, 20, have)
        if explain_path and name == "postgres":
            from benchmarks.explain import explain, record_statements

            statements = record_statements(rt.stores.case_engine, lambda: search.search(rt, people["clerk"], OFFICIAL))
            explain_path.write_text(f"# EXPLAIN ANALYZE, search by name, {have:,} clues\n\n"
                                    + explain(rt.stores.case_engine, "search()", statements))
    report.write(json_path)
