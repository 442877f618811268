"""Custodians come and go (R24): passphrase changes, adding and retiring custodians, changing k.

Every change of the custodian set re-deals every sealed identity's key: k current custodians give
their passphrases, each key is recovered in memory, checked against its ciphertext and split anew
to the new set. A retired custodian's wrapped key is erased, and an account cannot be deactivated
while it still holds shares (调动工作时移交).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import delete, func, select

import vault
from models.audit import trail
from models.identities.sealing import THRESHOLD, vault_threshold
from models.identities.tables import Custodian, IdentityShare, SealedIdentityRow, VaultSetting
from models.protection.custodians import MIN_PASSPHRASE, require_custodian_accounts
from models.protection.unseal import OPEN_STATES, WrongPassphrase
from models.protection.unseal_tables import UnsealRequest
from models.staff import acting
from models.staff.tables import Staff
from models.store.errors import ClueGuardError, InvalidInput, NotFound, WrongState
from models.store.i18n import N_
from models.store.runtime import Runtime

# At the door of the pages; the acts themselves check the custodians' passphrases (R9).
CHANGE_PASSPHRASE = acting.declare("custodian.passphrase", {"custodian"}, refused="custodian.refused")
REDEAL = acting.declare("custodian.redeal", {"admin"}, refused="custodian.refused")


class HoldsShares(WrongState):
    message = N_("This custodian still holds shares of sealed identities. Re-deal the shares first.")


class RedealBlocked(WrongState):
    message = N_("Unseal requests are still open. Re-deal the shares after they are settled.")


class NotEnoughApprovers(WrongState):
    message = N_("At least %(k)s current custodians must give their passphrases.")


class RedealFailed(WrongState):
    message = N_("An identity could not be re-dealt with these passphrases; nothing was changed.")


@dataclass(frozen=True)
class Redealt:
    identities: int
    threshold: int
    custodians: list[str]
    added: list[str]
    retired: list[str]


def _audit(rt: Runtime, actor: str, event: str, **detail: object) -> None:
    with rt.stores.case() as cs:
        trail.record(cs, actor, event, None, **detail)


def change_passphrase(rt: Runtime, username: str, old: str, new: str, actor: str | None = None) -> None:
    """A custodian replaces their passphrase; the same key pair is re-wrapped, no share changes."""
    try:
        if len(new) < MIN_PASSPHRASE:
            raise InvalidInput({"new": N_("Each passphrase must have at least 12 characters.")})
        with rt.stores.vault() as vs:
            row = vs.scalar(select(Custodian).where(Custodian.username == username).with_for_update())
            if row is None or not row.active:
                raise NotFound(N_("No active custodian with this user name."))
            try:
                row.wrapped_key = vault.change_custodian_passphrase(row.wrapped_key, old, new, rt.config.argon2)
            except vault.VaultError:
                raise WrongPassphrase from None
            _audit(rt, actor or username, "vault.passphrase_changed", custodian=username)
    except ClueGuardError as err:
        _audit(rt, actor or username, "vault.passphrase_refused", custodian=username,
               reason=type(err).__name__)
        raise


def current_custodians(rt: Runtime) -> list[str]:
    with rt.stores.vault() as vs:
        return sorted(vs.scalars(select(Custodian.username).where(Custodian.active.is_(True))))


def holds_shares(rt: Runtime, username: str) -> int:
    """How many identity shares this user holds as a custodian (0 if none or not a custodian)."""
    with rt.stores.vault() as vs:
        return vs.scalar(
            select(func.count()).select_from(IdentityShare)
            .join(Custodian, Custodian.id == IdentityShare.custodian_id)
            .where(Custodian.username == username)
        ) or 0


def _validate_set(names: Sequence[str], threshold: int) -> None:
    errors = {}
    if len(set(names)) != len(names):
        errors["custodians"] = N_("Each custodian may appear only once.")
    if not 2 <= threshold <= len(names) <= vault.identity.MAX_CUSTODIANS:
        errors["threshold"] = N_("Need at least 2 custodians to approve, and no more than there are.")
    if errors:
        raise InvalidInput(errors)


def redeal_shares(rt: Runtime, actor: str, custodians: Sequence[str], threshold: int,
                  approvals: Mapping[str, str], new_passphrases: Mapping[str, str] | None = None) -> Redealt:
    """Re-deal every identity to ``custodians`` with ``threshold``, unlocked by k current passphrases."""
    try:
        return _redeal(rt, actor, list(custodians), threshold, dict(approvals), dict(new_passphrases or {}))
    except ClueGuardError as err:
        _audit(rt, actor, "vault.redeal_refused", reason=type(err).__name__)
        raise


def _redeal(rt: Runtime, actor: str, names: list[str], threshold: int, approvals: dict[str, str],
            new_passphrases: dict[str, str]) -> Redealt:
    _validate_set(names, threshold)
    current_k = vault_threshold(rt.stores) or 2
    require_custodian_accounts(rt, names)
    with rt.stores.vault() as vs:
        rows = {c.username: c for c in vs.scalars(select(Custodian).with_for_update())}
        active = {n: c for n, c in rows.items() if c.active}
        givers = {n: p for n, p in approvals.items() if n in active and p}
        if len(givers) < current_k:
            raise NotEnoughApprovers(k=current_k)
        if vs.scalar(select(func.count()).select_from(UnsealRequest).where(UnsealRequest.state.in_(OPEN_STATES))):
            raise RedealBlocked
        added = [n for n in names if n not in active]
        short = [n for n in added if len(new_passphrases.get(n, "")) < MIN_PASSPHRASE]
        if short:
            raise InvalidInput({"passphrase": N_("Each passphrase must have at least 12 characters.")})
        # One Argon2id per giver, not one per identity.
        unlocked: dict[str, bytes] = {}
        for name, passphrase in givers.items():
            try:
                unlocked[active[name].id] = vault.unlock_custodian_key(active[name].wrapped_key, passphrase)
            except vault.VaultError:
                raise WrongPassphrase from None
        for name in added:
            public, wrapped = vault.create_custodian_key(new_passphrases[name], rt.config.argon2)
            if name in rows:  # a former custodian returns with a fresh key
                rows[name].public_key, rows[name].wrapped_key, rows[name].active = public, wrapped, True
            else:
                rows[name] = Custodian(id=str(uuid.uuid4()), username=name, public_key=public, wrapped_key=wrapped)
                vs.add(rows[name])
        vs.flush()
        targets = {rows[n].id: rows[n].public_key for n in names}
        count = 0
        for identity in vs.scalars(select(SealedIdentityRow)).all():
            held = vs.scalars(select(IdentityShare).where(IdentityShare.identity_id == identity.id,
                                                          IdentityShare.custodian_id.in_(unlocked))).all()
            if len(held) < identity.threshold:
                raise RedealFailed
            shares = [vault.UnlockedShare(s.custodian_id, s.sealed_share, unlocked[s.custodian_id])
                      for s in held[: identity.threshold]]
            try:
                dealt = vault.deal_shares_unlocked(identity.ciphertext, identity.report_id, shares, targets,
                                                   threshold)
            except vault.VaultError:
                raise RedealFailed from None
            vs.execute(delete(IdentityShare).where(IdentityShare.identity_id == identity.id))
            vs.add_all(IdentityShare(identity_id=identity.id, custodian_id=cid, sealed_share=share)
                       for cid, share in dealt.items())
            identity.threshold = threshold
            count += 1
        retired = sorted(n for n in active if n not in names)
        for name in retired:
            # Nothing is sealed to this key any more; erase it so it can never matter again.
            rows[name].active, rows[name].wrapped_key = False, b""
        vs.merge(VaultSetting(name=THRESHOLD, value=str(threshold)))
        with rt.stores.case() as cs:
            trail.record(cs, actor, "vault.redealt", None, identities=count, threshold=threshold,
                         custodians=len(names), approvers=",".join(sorted(givers)))
            for name in added:
                trail.record(cs, actor, "vault.custodian_added", None, custodian=name)
            for name in retired:
                trail.record(cs, actor, "vault.custodian_retired", None, custodian=name)
        return Redealt(count, threshold, sorted(names), sorted(added), retired)


def add_custodian(rt: Runtime, actor: str, username: str, passphrase: str,
                  approvals: Mapping[str, str], threshold: int | None = None) -> Redealt:
    """A new custodian joins; every identity is re-dealt to include them."""
    names = [*current_custodians(rt), username]
    k = threshold or vault_threshold(rt.stores) or 2
    return redeal_shares(rt, actor, names, k, approvals, {username: passphrase})


def retire_custodian(rt: Runtime, actor: str, username: str, approvals: Mapping[str, str],
                     threshold: int | None = None) -> Redealt:
    """A custodian leaves (transfer, retirement): re-deal without them, then erase their key."""
    names = [n for n in current_custodians(rt) if n != username]
    k = threshold or vault_threshold(rt.stores) or 2
    return redeal_shares(rt, actor, names, k, approvals)


def change_threshold(rt: Runtime, actor: str, threshold: int, approvals: Mapping[str, str]) -> Redealt:
    """Change k for every identity, same custodians."""
    return redeal_shares(rt, actor, current_custodians(rt), threshold, approvals)


def deactivate_custodian_account(rt: Runtime, actor: str, username: str) -> None:
    """Deactivate a custodian's staff account, refused while they still hold shares (R24)."""
    if holds_shares(rt, username):
        _audit(rt, actor, "staff.deactivation_refused", staff=username, reason="HoldsShares")
        raise HoldsShares
    with rt.stores.case() as cs:
        staff = cs.scalar(select(Staff).where(Staff.username == username))
        if staff is None:
            raise NotFound
        staff.active = False
        trail.record(cs, actor, "staff.deactivated", None, staff=username)
