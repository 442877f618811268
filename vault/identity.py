"""Reporter identities sealed so that only k of n custodians together can open them (R8, R9).

Each identity gets a random key; the identity is encrypted with it (AES-256-GCM, bound to the
report id); the key is split k-of-n with SLIP-39's Shamir code (shamir-mnemonic's low-level
``split_ems``: no passphrase cipher, since every share is HPKE-sealed anyway) and each share is
sealed to one custodian's public key (hybrid ML-KEM-768 + X25519 since R32), bound to the report
and the custodian.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from shamir_mnemonic import MnemonicError
from shamir_mnemonic.shamir import (
    ID_LENGTH_BITS,
    EncryptedMasterSecret,
    decode_mnemonics,
    recover_ems,
    split_ems,
)

from vault import _seal, wrapping
from vault.errors import VaultConfigError, VaultError
from vault.kdf import Argon2Params

CUSTODIAN_PURPOSE = "custodian"
MAX_CUSTODIANS = 16  # SLIP-39 allows at most 16 members in a group


@dataclass(frozen=True)
class SealedIdentity:
    """What the vault store keeps: the encrypted identity and one sealed share per custodian."""

    ciphertext: bytes
    threshold: int
    shares: dict[str, bytes]


@dataclass(frozen=True)
class CustodianShare:
    """A custodian's sealed share together with what unlocks it (given at approval time)."""

    custodian_id: str
    sealed_share: bytes
    wrapped_key: bytes
    passphrase: str


def create_custodian_key(passphrase: str, params: Argon2Params) -> tuple[bytes, bytes]:
    """Key ceremony for one custodian: (public key, private key wrapped by the passphrase)."""
    return wrapping.create_keypair(passphrase, params, CUSTODIAN_PURPOSE)


def unlock_custodian_key(wrapped: bytes, passphrase: str) -> bytes:
    return wrapping.unwrap_private_key(wrapped, passphrase, CUSTODIAN_PURPOSE)


def change_custodian_passphrase(wrapped: bytes, old: str, new: str, params: Argon2Params) -> bytes:
    return wrapping.rewrap_private_key(wrapped, old, new, params, CUSTODIAN_PURPOSE)


def _share_label(report_id: str, custodian_id: str) -> bytes:
    return _seal.info("share", report_id, custodian_id)


def _split(key: bytes, report_id: str, custodians: Mapping[str, bytes], k: int) -> dict[str, bytes]:
    n = len(custodians)
    if not 2 <= k <= n <= MAX_CUSTODIANS:
        raise VaultConfigError(f"need 2 <= k <= n <= {MAX_CUSTODIANS}, got k={k}, n={n}")
    ems = EncryptedMasterSecret(
        identifier=secrets.randbits(ID_LENGTH_BITS),
        extendable=True,
        iteration_exponent=0,
        ciphertext=key,
    )
    [shares] = split_ems(1, [(k, n)], ems)
    return {
        cid: _seal.hpke_seal(pub, share.mnemonic().encode(), _share_label(report_id, cid))
        for (cid, pub), share in zip(sorted(custodians.items()), shares, strict=True)
    }


def seal_identity(
    identity: bytes, report_id: str, custodians: Mapping[str, bytes], threshold: int
) -> SealedIdentity:
    """Encrypt an identity under a fresh key and deal that key k-of-n to the custodians."""
    key = os.urandom(_seal.KEY_LEN)
    ciphertext = _seal.aead_encrypt(key, identity, _seal.info("identity", report_id))
    return SealedIdentity(ciphertext, threshold, _split(key, report_id, custodians, threshold))


def _open_share(report_id: str, custodian_id: str, sealed: bytes, private: bytes) -> str:
    return _seal.hpke_open(private, sealed, _share_label(report_id, custodian_id)).decode()


def _recover_key(mnemonics: Sequence[str]) -> bytes:
    try:
        return recover_ems(decode_mnemonics(mnemonics)).ciphertext
    except (MnemonicError, ValueError, KeyError) as exc:
        raise VaultError from exc


def _decrypt(ciphertext: bytes, key: bytes, report_id: str) -> bytes:
    return _seal.aead_decrypt(key, ciphertext, _seal.info("identity", report_id))


def open_identity(ciphertext: bytes, report_id: str, shares: Sequence[CustodianShare]) -> bytes:
    """Open an identity from k custodians' sealed shares and passphrases; else VaultError."""
    mnemonics = [
        _open_share(
            report_id,
            s.custodian_id,
            s.sealed_share,
            unlock_custodian_key(s.wrapped_key, s.passphrase),
        )
        for s in shares
    ]
    return _decrypt(ciphertext, _recover_key(mnemonics), report_id)


def _reseal_label(report_id: str, request_id: str, custodian_id: str) -> bytes:
    return _seal.info("reseal", report_id, request_id, custodian_id)


def reseal_share(
    share: CustodianShare, report_id: str, request_id: str, recipient_public: bytes
) -> bytes:
    """A custodian's approval: their share, re-sealed to the requester for one request only."""
    private = unlock_custodian_key(share.wrapped_key, share.passphrase)
    mnemonic = _open_share(report_id, share.custodian_id, share.sealed_share, private)
    label = _reseal_label(report_id, request_id, share.custodian_id)
    return _seal.hpke_seal(recipient_public, mnemonic.encode(), label)


def open_resealed(
    ciphertext: bytes,
    report_id: str,
    request_id: str,
    resealed: Mapping[str, bytes],
    recipient_private: bytes,
) -> bytes:
    """The requester opens the identity from the shares re-sealed to them."""
    mnemonics = [
        _seal.hpke_open(recipient_private, sealed, _reseal_label(report_id, request_id, cid)).decode()
        for cid, sealed in resealed.items()
    ]
    return _decrypt(ciphertext, _recover_key(mnemonics), report_id)


def deal_shares(
    ciphertext: bytes,
    report_id: str,
    shares: Sequence[CustodianShare],
    custodians: Mapping[str, bytes],
    threshold: int,
) -> dict[str, bytes]:
    """Re-deal an identity's key to a new set of custodians or a new k, from k current shares.

    The identity ciphertext does not change; the recovered key is checked against it first.
    """
    unlocked = [
        UnlockedShare(s.custodian_id, s.sealed_share, unlock_custodian_key(s.wrapped_key, s.passphrase))
        for s in shares
    ]
    return deal_shares_unlocked(ciphertext, report_id, unlocked, custodians, threshold)


@dataclass(frozen=True)
class UnlockedShare:
    """A sealed share with its custodian's private key already unlocked.

    Re-dealing every identity unlocks each custodian's key once instead of once per identity:
    at production Argon2id cost that is the difference between seconds and hours.
    """

    custodian_id: str
    sealed_share: bytes
    private_key: bytes


def deal_shares_unlocked(
    ciphertext: bytes,
    report_id: str,
    shares: Sequence[UnlockedShare],
    custodians: Mapping[str, bytes],
    threshold: int,
) -> dict[str, bytes]:
    """``deal_shares`` for custodians whose private keys the caller has just unlocked."""
    mnemonics = [_open_share(report_id, s.custodian_id, s.sealed_share, s.private_key) for s in shares]
    key = _recover_key(mnemonics)
    _decrypt(ciphertext, key, report_id)
    return _split(key, report_id, custodians, threshold)
