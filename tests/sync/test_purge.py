"""After a purge the intake node keeps no readable copy of what went inside, and the reporter
keeps the list of what they sent.

The canaries are the plaintexts (clue text, identity, file bytes, message text) and, since those
are encrypted before they touch the disk, the ciphertexts themselves: a copy of those in a disk
image would open with a later leak of the intake key (or of k custodians' keys). Every file of
the intake node's data directory is read while its processes still hold their connections.
"""

from __future__ import annotations

import base64
from pathlib import Path

from sqlalchemy import select, text

from models.identities.tables import IdentityShare, SealedIdentityRow
from models.reporting import intake
from models.reporting.files import Upload
from models.reporting.tables import Attachment, DataKey, Message, Report
from models.store.runtime import Runtime
from models.sync.intake_side import PURGED_CASE_TABLES
from tests.conftest import submission

CLUE = "CANARY-clue-线索-7a1e"
NAME = "CANARY-name-姓名-42c9"
FILE = "CANARY-file-文件-b3d0"
FOLLOW_UP = "CANARY-follow-up-补充-e81f"
FILE_2 = "CANARY-file2-附件-0c55"
PLAINTEXTS = (CLUE, NAME, FILE, FOLLOW_UP, FILE_2)


def submit_canaries(public: Runtime) -> intake.Receipt:
    """A confidential clue with a file, and a follow-up with a file, all carrying canaries."""
    handed = intake.submit_report(public, submission(
        description=CLUE, identity={"name": NAME},
        files=[Upload("evidence.txt", f"{FILE}\n".encode() * 50)]))
    intake.add_follow_up(public, handed.code, FOLLOW_UP, [Upload("notes.txt", f"{FILE_2}\n".encode() * 50)])
    return handed


def ciphertext_fragments(public: Runtime) -> list[bytes]:
    """Pieces of every sealed thing the purge must remove, raw and as a batch body carries them."""
    whole: list[bytes] = []
    with public.stores.case() as session:
        whole += [r.content for r in session.scalars(select(Report))]
        whole += [k.sealed for k in session.scalars(select(DataKey))]
        whole += [m.staff_box for m in session.scalars(select(Message).where(Message.direction == "reporter"))]
        for a in session.scalars(select(Attachment)):
            whole += [a.blob, a.meta or b""]
    with public.stores.vault() as vs:
        whole += [i.ciphertext for i in vs.scalars(select(SealedIdentityRow))]
        whole += [s.sealed_share for s in vs.scalars(select(IdentityShare))]
    pieces = []
    for data in whole:
        assert len(data) >= 48, "every sealed thing is longer than a tag"
        pieces += [data[8:40], base64.b64encode(data)[12:44]]
    return pieces


def readable_leftovers(data_dir: Path, canaries: list[bytes]) -> list[str]:
    """Which files of the data directory hold which canary (none, after a purge)."""
    found = []
    for path in sorted(data_dir.rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            found += [f"{path.name}: canary {i}" for i, c in enumerate(canaries) if c in data]
    return found


def test_a_purge_leaves_nothing_readable_behind(nodes, backend: str) -> None:
    nodes.sync()
    public = nodes.public()
    handed = submit_canaries(public)
    canaries = [c.encode() for c in PLAINTEXTS] + ciphertext_fragments(public)
    if backend == "sqlite":
        assert readable_leftovers(nodes.intake.data_dir, canaries), "the canaries are on disk before sync"
    vacuums = vacuum_counts(public) if backend == "postgres" else {}
    nodes.sync()
    # The public app's and the sync endpoint's engines are still open: the WAL is theirs.
    with public.stores.case() as session:
        assert session.scalar(select(Report.content).where(Report.id == handed.report_id)) == b""
    if backend == "sqlite":
        assert (nodes.intake.data_dir / "case.db-wal").exists(), "the writers still hold the WAL"
        assert readable_leftovers(nodes.intake.data_dir, canaries) == []
    else:  # the dead row versions are gone from the tables (docs/split-deployment.md: what is not)
        after = vacuum_counts(public)
        assert all(after[t] > vacuums[t] for t in PURGED_CASE_TABLES), (vacuums, after)


def vacuum_counts(rt: Runtime) -> dict[str, int]:
    with rt.stores.case_engine.connect() as conn:
        rows = conn.execute(text("SELECT relname, vacuum_count FROM pg_stat_user_tables "
                                 "WHERE schemaname = current_schema()")).all()
    return {name: int(count) for name, count in rows}


def test_the_reporter_still_sees_what_they_sent_after_sync(nodes) -> None:
    nodes.sync()
    public = nodes.public()
    handed = submit_canaries(public)
    before = intake.reporter_status(public, handed.code)
    nodes.sync()
    after = intake.reporter_status(public, handed.code)
    assert [(f.name, f.size, f.mime) for f in after.files] == [("evidence.txt", before.files[0].size, "text/plain")]
    [follow_up] = [m for m in after.messages if m.sender == "reporter"]
    assert [f.name for f in follow_up.files] == ["notes.txt"]
    assert after.files == before.files
    assert intake.receipt_files(public, handed.code) == before.files
    with public.stores.case() as session:
        assert all(a.blob == b"" and a.meta is None for a in session.scalars(select(Attachment)))
