"""`clueguard vault upgrade`: re-seal what a store sealed before R32 under hybrid keys.

Three stages, each resumable and safe to interrupt (every batch is its own transaction, and
every sealed value names its suite, so a run that starts again skips what is already hybrid):

1. intake: a new hybrid intake key pair (``intake.next.*``); every data key (reports, messages,
   files, records, measures) and every meeting's key is re-sealed to it; then the new pair
   becomes the intake key and the old private key file is overwritten and removed.
2. custodians: each active custodian gets a new hybrid key pair wrapped by the same passphrase
   (checked against their current key first); every identity's key is recovered from k current
   shares and re-dealt to the new keys; then, in one transaction, the new keys replace the old
   ones, whose wrapped private halves are erased.
3. auditors: each auditor given gets a new hybrid signing key (keys are append-only rows: the
   old one stays, to verify the checkpoints it signed).

Last, the vault store is marked hybrid: from then on no key of the classical suite is accepted
(``models.store.runtime.require_hybrid_key``). Run it with the apps stopped: a value re-sealed under the new intake key
cannot be opened by a process that still holds the old one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from sqlalchemy import delete, func, select

import vault
from models.audit import trail
from models.audit.checkpoint import PURPOSE as AUDITOR_PURPOSE
from models.audit.checkpoint import add_key, current_key
from models.confidentiality.meetings import _context as meeting_context
from models.confidentiality.tables import Meeting
from models.identities.tables import Custodian, IdentityShare, SealedIdentityRow, VaultSetting
from models.protection.custodian_lifecycle import RedealBlocked, RedealFailed
from models.protection.unseal import OPEN_STATES, WrongPassphrase
from models.protection.unseal_tables import UnsealRequest
from models.reporting.sealed import data_key_context
from models.reporting.tables import DataKey
from models.store import keys
from models.store.errors import ClueGuardError, InvalidInput, WrongState
from models.store.i18n import N_
from models.store.runtime import Runtime, mark_hybrid

Progress = Callable[[str, int, int], None]
BATCH = 200


class PassphrasesMissing(InvalidInput):
    """Every active custodian re-keys with their own passphrase, so every one must give it."""


@dataclass
class Upgraded:
    data_keys: int = 0
    meetings: int = 0
    identities: int = 0
    custodians: int = 0
    auditors: list[str] = field(default_factory=list)


def _quiet(stage: str, done: int, total: int) -> None:
    """The default progress report: none."""


def is_hybrid(key: bytes) -> bool:
    try:
        return vault.key_suite(key) == vault.HYBRID
    except vault.VaultError:
        return False


def upgrade_store(rt: Runtime, custodian_passphrases: Mapping[str, str],
                  auditor_passphrases: Mapping[str, str] | None = None, actor: str = "cli",
                  progress: Progress = _quiet, batch: int = BATCH) -> Upgraded:
    """Run (or resume) every stage; returns what this run re-sealed. A refusal is audited."""
    done = Upgraded()
    try:
        upgrade_intake(rt, done, progress, batch)
        upgrade_custodians(rt, custodian_passphrases, done, progress)
        for username, passphrase in (auditor_passphrases or {}).items():
            if upgrade_auditor(rt, username, passphrase):
                done.auditors.append(username)
    except ClueGuardError as err:
        with rt.stores.case() as cs:
            trail.record(cs, actor, "vault.upgrade_refused", None, reason=type(err).__name__,
                         data_keys=done.data_keys, identities=done.identities)
        raise
    mark_hybrid(rt.stores)
    with rt.stores.case() as cs:
        trail.record(cs, actor, "vault.upgraded", None, data_keys=done.data_keys, meetings=done.meetings,
                     identities=done.identities, custodians=done.custodians, auditors=len(done.auditors))
    return done


# --- 1. the intake key ---------------------------------------------------------------------

def upgrade_intake(rt: Runtime, done: Upgraded, progress: Progress = _quiet, batch: int = BATCH) -> None:
    config = rt.config
    keys.finish_interrupted_promotion(config)
    if is_hybrid(keys.load_intake_public(config)) and not (config.keys_dir / keys.NEXT_PRIVATE_FILE).exists():
        return
    new_public = keys.generate_next_intake_key(config)
    old_private = keys.load_intake_private(config)
    with rt.stores.case() as cs:
        total = (cs.scalar(select(func.count()).select_from(DataKey)) or 0) + \
                (cs.scalar(select(func.count()).select_from(Meeting)) or 0)
    seen = 0
    last = ""
    while True:
        with rt.stores.case() as cs:
            rows = cs.scalars(select(DataKey).where(DataKey.id > last).order_by(DataKey.id).limit(batch)).all()
            for row in rows:
                if vault.sealed_suite(row.sealed) != vault.HYBRID:
                    row.sealed = vault.reseal_data_key(row.sealed, old_private, new_public,
                                                       data_key_context(row.report_id, row.id))
                    done.data_keys += 1
            last = rows[-1].id if rows else last
        seen += len(rows)
        progress("intake", seen, total)
        if len(rows) < batch:
            break
    last = ""
    while True:
        with rt.stores.case() as cs:
            meetings = cs.scalars(select(Meeting).where(Meeting.id > last).order_by(Meeting.id).limit(batch)).all()
            for m in meetings:
                if vault.sealed_suite(m.sealed_key) != vault.HYBRID:
                    m.sealed_key = vault.reseal_data_key(m.sealed_key, old_private, new_public,
                                                         meeting_context(m.id))
                    done.meetings += 1
            last = meetings[-1].id if meetings else last
        seen += len(meetings)
        progress("intake", seen, total)
        if len(meetings) < batch:
            break
    keys.promote_next_intake_key(config)


# --- 2. the custodians' keys and every identity's shares ------------------------------------

def upgrade_custodians(rt: Runtime, passphrases: Mapping[str, str], done: Upgraded,
                       progress: Progress = _quiet) -> None:
    with rt.stores.vault() as vs:
        active = {c.username: c for c in vs.scalars(select(Custodian).where(Custodian.active.is_(True)))}
        pending = {n: c for n, c in active.items() if not is_hybrid(c.public_key)}
        if not pending:
            return
        missing = sorted(n for n in active if not passphrases.get(n))
        if missing:
            raise PassphrasesMissing({"custodians": N_("These custodians must give their passphrases: %(names)s")},
                                     names=", ".join(missing))
        if vs.scalar(select(func.count()).select_from(UnsealRequest).where(UnsealRequest.state.in_(OPEN_STATES))):
            raise RedealBlocked
        unlocked: dict[str, bytes] = {}
        for name, row in pending.items():
            try:  # one Argon2id per custodian, not one per identity; also checks the passphrase
                unlocked[row.id] = vault.unlock_custodian_key(row.wrapped_key, passphrases[name])
            except vault.VaultError:
                raise WrongPassphrase from None
            if row.next_public_key is None:
                row.next_public_key, row.next_wrapped_key = vault.create_custodian_key(
                    passphrases[name], rt.config.argon2)
        targets = {c.id: c.next_public_key or c.public_key for c in active.values()}
        ids = [i for i, in vs.execute(select(SealedIdentityRow.id).order_by(SealedIdentityRow.id))]
    threshold = int(_setting(rt, "threshold") or 2)
    for n, identity_id in enumerate(ids, 1):
        with rt.stores.vault() as vs:
            identity = vs.get(SealedIdentityRow, identity_id)
            shares = vs.scalars(select(IdentityShare).where(IdentityShare.identity_id == identity_id)).all()
            if identity is not None and any(vault.sealed_suite(s.sealed_share) != vault.HYBRID for s in shares):
                held = [vault.UnlockedShare(s.custodian_id, s.sealed_share, unlocked[s.custodian_id])
                        for s in shares if s.custodian_id in unlocked][: identity.threshold]
                try:
                    dealt = vault.deal_shares_unlocked(identity.ciphertext, identity.report_id, held, targets,
                                                       identity.threshold or threshold)
                except vault.VaultError:
                    raise RedealFailed from None
                vs.execute(delete(IdentityShare).where(IdentityShare.identity_id == identity_id))
                vs.add_all(IdentityShare(identity_id=identity_id, custodian_id=cid, sealed_share=share)
                           for cid, share in dealt.items())
                done.identities += 1
        progress("identities", n, len(ids))
    with rt.stores.vault() as vs:
        for row in vs.scalars(select(Custodian).where(Custodian.next_public_key.is_not(None))):
            # The old wrapped private key is overwritten here: nothing is sealed to it any more.
            row.public_key, row.wrapped_key = row.next_public_key or b"", row.next_wrapped_key or b""
            row.next_public_key = row.next_wrapped_key = None
            done.custodians += 1


def _setting(rt: Runtime, name: str) -> str | None:
    with rt.stores.vault() as vs:
        row = vs.get(VaultSetting, name)
        return row.value if row else None


# --- 3. the auditors' signing keys -----------------------------------------------------------

def upgrade_auditor(rt: Runtime, username: str, passphrase: str) -> bool:
    """A new hybrid signing key for an auditor whose newest key is Ed25519 alone; False if done."""
    with rt.stores.case() as cs:
        key = current_key(cs, username)
        if key is None:
            raise WrongState(N_("No auditor key for this user name."))
        if vault.signing_key_suite(key.public_key) == vault.HYBRID:
            return False
        try:  # the auditor proves the passphrase of the key being replaced
            vault.sign_checkpoint(key.wrapped_key, passphrase, AUDITOR_PURPOSE, b"upgrade")
        except vault.VaultError:
            raise WrongPassphrase from None
        add_key(cs, username, passphrase, rt.config.argon2)
    return True

