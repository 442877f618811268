"""The custodian key ceremony: each custodian gets a key pair wrapped by their passphrase (R9)."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

import vault
from models.audit import trail
from models.identities.sealing import THRESHOLD
from models.identities.tables import Custodian, SealedIdentityRow, VaultSetting
from models.staff.tables import Staff
from models.store.errors import InvalidInput, WrongState
from models.store.i18n import N_
from models.store.runtime import Runtime

MIN_PASSPHRASE = 12


def require_custodian_accounts(rt: Runtime, names: list[str]) -> None:
    """Every name must be an active staff account with the custodian role."""
    with rt.stores.case() as session:
        rows = {s.username: s for s in session.scalars(select(Staff).where(Staff.username.in_(names)))}
    missing = [n for n in names if n not in rows or rows[n].role != "custodian" or not rows[n].active]
    if missing:
        raise InvalidInput({"custodians": N_("These users are not active custodians: %(names)s")},
                           names=", ".join(missing))


def run_ceremony(rt: Runtime, threshold: int, custodians: list[tuple[str, str]],
                 actor: str = "cli") -> list[str]:
    """Create the first custodian set: k-of-n with one (username, passphrase) per custodian."""
    names = [name for name, _ in custodians]
    errors = {}
    if len(set(names)) != len(names):
        errors["custodians"] = N_("Each custodian may appear only once.")
    if not 2 <= threshold <= len(names) <= vault.identity.MAX_CUSTODIANS:
        errors["threshold"] = N_("Need at least 2 custodians to approve, and no more than there are.")
    if any(len(p) < MIN_PASSPHRASE for _, p in custodians):
        errors["passphrase"] = N_("Each passphrase must have at least 12 characters.")
    if errors:
        raise InvalidInput(errors)
    require_custodian_accounts(rt, names)
    with rt.stores.vault() as session:
        if session.scalar(select(func.count()).select_from(SealedIdentityRow)):
            raise WrongState(N_("Identities are already sealed; re-deal the shares instead."))
        session.query(Custodian).delete()
        ids = []
        for name, passphrase in custodians:
            public, wrapped = vault.create_custodian_key(passphrase, rt.config.argon2)
            cid = str(uuid.uuid4())
            session.add(Custodian(id=cid, username=name, public_key=public, wrapped_key=wrapped))
            ids.append(cid)
        session.merge(VaultSetting(name=THRESHOLD, value=str(threshold)))
    with rt.stores.case() as session:
        trail.record(session, actor, "vault.ceremony", None, threshold=threshold, custodians=len(names))
    return ids
