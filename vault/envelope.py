"""Sealing clue content to the intake key, and messages to a reporter's receipt key.

A data key encrypts the content (AES-256-GCM); the data key is sealed with HPKE to the intake
public key, in the key's suite (hybrid ML-KEM-768 + X25519 for keys made since R32). The
internet-facing side can create envelopes but never open one: it holds no private key. Deleting
the sealed data key destroys everything encrypted under it (R22).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from vault import _seal


@dataclass(frozen=True)
class SealedKey:
    """A fresh data key in the clear (kept in memory only) and the same key sealed to a recipient."""

    key: bytes
    sealed: bytes


def new_data_key(intake_public: bytes, context: str) -> SealedKey:
    """A random data key for one report or message, sealed to the intake key."""
    key = os.urandom(_seal.KEY_LEN)
    return SealedKey(key, _seal.hpke_seal(intake_public, key, _seal.info("data-key", context)))


def open_data_key(sealed: bytes, intake_private: bytes, context: str) -> bytes:
    """Unseal a data key with the intake private key (staff side only)."""
    return _seal.hpke_open(intake_private, sealed, _seal.info("data-key", context))


def reseal_data_key(sealed: bytes, old_private: bytes, new_public: bytes, context: str) -> bytes:
    """The same data key sealed to a new intake key (``vault upgrade``); the content is untouched."""
    label = _seal.info("data-key", context)
    return _seal.hpke_seal(new_public, _seal.hpke_open(old_private, sealed, label), label)


def encrypt_blob(key: bytes, plaintext: bytes, context: str) -> bytes:
    """Encrypt content or a file under a data key, bound to its context (report id, file id)."""
    return _seal.aead_encrypt(key, plaintext, _seal.info("blob", context))


def decrypt_blob(key: bytes, blob: bytes, context: str) -> bytes:
    return _seal.aead_decrypt(key, blob, _seal.info("blob", context))


def seal_to_reporter(reporter_public: bytes, plaintext: bytes, context: str) -> bytes:
    """Seal a message so that only the holder of the receipt can read it."""
    return _seal.hpke_seal(reporter_public, plaintext, _seal.info("reporter", context))


def open_as_reporter(reporter_private: bytes, sealed: bytes, context: str) -> bytes:
    return _seal.hpke_open(reporter_private, sealed, _seal.info("reporter", context))


def seal_beside_identity(addition_public: bytes, plaintext: bytes, context: str) -> bytes:
    """Seal something learnt after the identity (a follow-up file's removed metadata) to the key
    pair whose private half is sealed inside the identity: it opens only where the identity does."""
    return _seal.hpke_seal(addition_public, plaintext, _seal.info("identity-addition", context))


def open_beside_identity(addition_private: bytes, sealed: bytes, context: str) -> bytes:
    return _seal.hpke_open(addition_private, sealed, _seal.info("identity-addition", context))


def generate_keypair() -> tuple[bytes, bytes]:
    """A new hybrid (ML-KEM-768 + X25519) key pair as (private, public) bytes."""
    private = _seal.generate_private()
    return private, _seal.public_of(private)


def seal_staff_secret(staff_key: bytes, plaintext: bytes, context: str) -> bytes:
    """Encrypt a staff account's secret (its TOTP seed) under a key derived from staff-side material."""
    key = _seal.hkdf(staff_key, _seal.info("staff-secret"))
    return _seal.aead_encrypt(key, plaintext, _seal.info("staff-secret", context))


def open_staff_secret(staff_key: bytes, sealed: bytes, context: str) -> bytes:
    """The secret again; VaultError for the wrong key, another account's blob or tampering."""
    key = _seal.hkdf(staff_key, _seal.info("staff-secret"))
    return _seal.aead_decrypt(key, sealed, _seal.info("staff-secret", context))


def key_suite(key: bytes) -> str:
    """``"hybrid"`` or ``"classical"`` for a sealing key (public or private); VaultError otherwise."""
    return _seal.key_suite(key)


def sealed_suite(sealed: bytes) -> str:
    """The suite a sealed value names (``"hybrid"`` values carry the ``CGH1`` tag)."""
    return _seal.sealed_suite(sealed)
