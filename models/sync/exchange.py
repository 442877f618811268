"""One sync round, over the network or by files; the same batches and checks either way.

Network: only the internal node opens a connection. It sends a signed request (its
acknowledgement of the up stream, and the next down batch); the intake node answers with a
signed response (its acknowledgement of the down stream, and the next up batch). Every step is a
transaction of its own and every step is idempotent, so a crash anywhere is repaired by the next
round: at-least-once delivery, deduplicated by batch number and item id.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from models.audit import trail
from models.store.config import Config
from models.store.db import Stores
from models.store.keys import PUBLIC_FILE
from models.store.runtime import Runtime, load_site_salt
from models.sync import health, intake_side, internal_side
from models.sync.keys import load_own_private, load_peer_public
from models.sync.packets import DOWN, UP, Batch, Packet, SyncRefused, open_packet, seal_packet
from models.sync.streams import check_next, mark_applied, open_batch, stored_batch, stream_row, take_ack
from models.sync.tables import SyncBatch, SyncItem, SyncStream

INTAKE, INTERNAL = "intake", "internal"
MAX_ROUNDS = 1000


class NotThisRole(RuntimeError):
    """A sync act asked of a node whose role does not do it."""


def require_role(config: Config, role: str) -> None:
    if config.role != role:
        raise NotThisRole(f"this is a {config.role!r} node; this sync step runs on the {role} node")


@dataclass
class RoundResult:
    """What one round moved (counts only; nothing about content)."""

    sent_batch: int | None = None
    received_batch: int | None = None
    received_items: int = 0
    acknowledged: int = 0
    peer_waiting: dict[str, Any] | None = None

    @property
    def moved(self) -> bool:
        return bool(self.sent_batch or self.received_batch or self.acknowledged)


# --- receiving a batch (either node) --------------------------------------------------------

def receive_batch(rt: Runtime, data: bytes) -> tuple[int, int]:
    """Apply the next batch of the stream this node receives: (seq, items applied).

    A batch that is malformed or clashes with stored rows is refused whole (and stays refused:
    the operator is told, nothing half-applied remains but idempotent vault rows).
    """
    batch = open_batch(data)
    try:
        return _apply(rt, batch)
    except IntegrityError as exc:
        raise SyncRefused(f"batch {batch.seq} of stream {batch.stream} clashes with stored data "
                          "(an id or registry number already used); refused") from exc
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise SyncRefused(f"batch {batch.seq} of stream {batch.stream} is malformed; refused") from exc


def _apply(rt: Runtime, batch: Batch) -> tuple[int, int]:
    stream = DOWN if rt.config.role == INTAKE else UP
    with rt.stores.case() as session:  # check before touching the vault store
        check_next(stream_row(session, stream), batch)
        if stream == UP:
            internal_side.check_up_items(session, batch)
    if stream == UP:
        internal_side.store_identities(rt, batch)
    else:
        intake_side.apply_site(rt, batch)
    with rt.stores.case() as session:
        row = stream_row(session, stream)
        check_next(row, batch)  # again, under the lock: another sync may have won the race
        applied = (internal_side.apply_up_items(session, batch) if stream == UP
                   else intake_side.apply_down_items(session, batch))
        mark_applied(row, batch)
        trail.record(session, "system:sync", "sync.batch_applied", stream=stream, seq=batch.seq, items=applied)
    return batch.seq, applied


def acknowledge(rt: Runtime, seq: int, ack_hash: str, strict: bool) -> int:
    """Take the peer's acknowledgement of the stream this node sends; purge on the intake node."""
    stream = UP if rt.config.role == INTAKE else DOWN
    with rt.stores.case() as session:
        newly = take_ack(session, stream_row(session, stream), seq, ack_hash, strict=strict)
        identities = intake_side.purge_acknowledged(session, newly) if stream == UP else []
    intake_side.delete_identities(rt, identities)
    if newly and stream == UP:
        intake_side.wipe_purged(rt)
    return len(newly)


def next_batch(rt: Runtime, after: int | None = None) -> bytes | None:
    """The oldest batch the peer lacks (kept since it was formed), else a new one, else None."""
    stream = UP if rt.config.role == INTAKE else DOWN
    with rt.stores.case() as session:
        row = stream_row(session, stream)
        seq = (row.acked_seq if after is None else after) + 1
        if seq <= row.sent_seq:
            return stored_batch(session, stream, seq)
        if stream == UP:
            return intake_side.form_up_batch(rt, session, row)
        return internal_side.form_down_batch(rt, session, row)


def applied_mark(rt: Runtime) -> tuple[int, str]:
    stream = DOWN if rt.config.role == INTAKE else UP
    with rt.stores.case() as session:
        row = stream_row(session, stream)
        return row.applied_seq, row.applied_hash


# --- the network: the intake node answers, the internal node asks ---------------------------

def answer_request(rt: Runtime, signed: bytes) -> bytes:
    """The intake node's sync endpoint: verify, apply, acknowledge, answer with the next batch."""
    require_role(rt.config, INTAKE)
    request = open_packet(load_peer_public(rt.config), INTERNAL, "request", signed)
    with rt.stores.case() as session:
        row = stream_row(session, DOWN)
        if request.number <= row.last_request:
            raise SyncRefused("a request replayed (its number was seen before); refused")
        row.last_request = request.number
    if request.batch is not None:
        try:
            receive_batch(rt, request.batch)
        except SyncRefused as err:
            if not err.duplicate:  # a retry after a lost answer is normal: just acknowledge
                raise
    acknowledge(rt, request.ack_seq, request.ack_hash, strict=True)
    batch = next_batch(rt, after=request.ack_seq)
    seq, ack_hash = applied_mark(rt)
    with rt.stores.case() as session:
        waiting = health.waiting_here(session, UP)
    health.record_success(rt)
    return seal_packet(load_own_private(rt.config),
                       Packet("response", INTAKE, request.number, seq, ack_hash, batch, waiting))


def sync_round(rt: Runtime, send: Callable[[bytes], bytes]) -> RoundResult:
    """One request and its answer, from the internal node; ``send`` carries bytes both ways."""
    require_role(rt.config, INTERNAL)
    result = RoundResult()
    with rt.stores.case() as session:
        row = stream_row(session, DOWN)
        # Strictly increasing even across restarts and clock steps back.
        number = max(row.last_request + 1, time.time_ns())
        row.last_request = number
    batch = next_batch(rt)
    if batch is not None:
        result.sent_batch = open_batch(batch).seq
    seq, ack_hash = applied_mark(rt)
    answer = send(seal_packet(load_own_private(rt.config), Packet("request", INTERNAL, number, seq, ack_hash, batch)))
    response = open_packet(load_peer_public(rt.config), INTAKE, "response", answer)
    if response.number != number:
        raise SyncRefused("an answer to another request (replayed?); refused")
    result.acknowledged = acknowledge(rt, response.ack_seq, response.ack_hash, strict=True)
    if response.batch is not None:
        result.received_batch, result.received_items = receive_batch(rt, response.batch)
    result.peer_waiting = response.waiting
    return result


def sync_until_done(rt: Runtime, send: Callable[[bytes], bytes]) -> list[RoundResult]:
    """Rounds until nothing moves (everything sent, applied and acknowledged both ways)."""
    rounds = []
    for _ in range(MAX_ROUNDS):
        result = sync_round(rt, send)
        rounds.append(result)
        if not result.moved:
            break
    health.record_success(rt, rounds[-1].peer_waiting if rounds else None)
    return rounds


def open_sync_runtime(config: Config) -> Runtime:
    """What a sync process holds: public keys only. On a new intake node the intake public key
    arrives with the first down batch, so its absence is not an error here."""
    if config.role not in (INTAKE, INTERNAL):
        raise NotThisRole(f"this is a {config.role!r} node; sync runs on intake and internal nodes")
    stores = Stores(config.database_url, config.vault_url)
    stores.mirror_audit(config.audit_syslog, config.audit_jsonl)
    path = config.keys_dir / PUBLIC_FILE
    public = path.read_bytes() if path.exists() else b""
    if config.role == INTERNAL and not public:
        raise NotThisRole(f"intake public key not found at {path}; run `clueguard init --role internal`")
    return Runtime(config=config, stores=stores, intake_public=public, site_salt=load_site_salt(stores))


def describe(rt: Runtime) -> list[str]:
    """Where both streams stand, for ``clueguard sync status`` (numbers only)."""
    _verdict, figures = health.sync_health(rt)
    lines = [f"role: {rt.config.role}", f"last success: {figures.last_success or 'never'}"]
    if figures.intake_office is not None:
        lines.append(f"intake office: {', '.join(figures.intake_office) or 'NONE (staff see no pulled clue)'}")
    with rt.stores.case() as session:
        for stream in (UP, DOWN):
            row = stream_row(session, stream)
            sends = (stream == UP) == (rt.config.role == INTAKE)
            if sends:
                kept = session.scalar(select(func.count()).select_from(SyncBatch).where(
                    SyncBatch.stream == stream, SyncBatch.body.is_not(None))) or 0
                lines.append(f"{stream}: sent {row.sent_seq} batch(es), {row.acked_seq} acknowledged, "
                             f"{kept} kept until acknowledged")
            else:
                lines.append(f"{stream}: applied {row.applied_seq} batch(es); next expected "
                             f"{row.applied_seq + 1}")
    return lines


def forget_peer(rt: Runtime, actor: str = "cli") -> None:
    """Start both streams afresh with a new peer (an intake node rebuilt after a loss or an
    attack): its numbering starts at 1 again, and the keys it seals to are sent again."""
    with rt.stores.case() as session:
        session.execute(delete(SyncBatch))
        session.execute(delete(SyncStream))
        session.execute(delete(SyncItem).where(SyncItem.stream == DOWN, SyncItem.kind == "site"))
        trail.record(session, actor, "sync.peer_replaced")
