"""Signatures for two acts: checkpoints of the audit chain and sync batches.

New keys are hybrid (R32): Ed25519 (RFC 8032) and ML-DSA-65 (FIPS 204) together, and a signature
verifies only if both halves do. Keys made before R32 are Ed25519 alone and keep verifying what
they signed; a hybrid key never accepts an Ed25519-only signature.

- Audit checkpoints (R23): the auditor's key pair, its private half wrapped by their passphrase,
  so the server cannot sign a checkpoint on its own: whoever rewrites the audit log would also need
  the auditor's passphrase.
- Sync batches (R26): each node holds its own signing key and the peer's public key, exchanged when
  the nodes are set up. A signature covers a label naming what was signed, so a signature made for
  one purpose (a packet from the intake node) is never valid for another.
"""

from __future__ import annotations

import hashlib

from vault import _seal
from vault.errors import VaultError
from vault.kdf import Argon2Params
from vault.wrapping import unwrap_private_key, wrap_private_key

CHECKPOINT_LABEL = _seal.info("audit-checkpoint")


def create_signing_key(passphrase: str, params: Argon2Params, purpose: str) -> tuple[bytes, bytes]:
    """A new hybrid key pair: (public key, private key wrapped under the passphrase)."""
    private = _seal.hybrid_signing_generate()
    return _seal.signing_public_of(private), wrap_private_key(private, passphrase, params, purpose)


def key_fingerprint(public: bytes) -> str:
    """A short, readable fingerprint the holder writes down to recognise their key later."""
    digest = hashlib.sha256(b"clueguard-signing-key" + public).hexdigest()[:32]
    return ":".join(digest[i : i + 4] for i in range(0, 32, 4))


def sign_checkpoint(wrapped: bytes, passphrase: str, purpose: str, message: bytes) -> bytes:
    """Sign ``message`` with the unwrapped key; VaultError for a wrong passphrase or a tampered key."""
    private = unwrap_private_key(wrapped, passphrase, purpose)
    return _seal.sign(private, CHECKPOINT_LABEL + message)


def verify_checkpoint(public: bytes, message: bytes, signature: bytes) -> bool:
    """True only if ``signature`` is the holder's signature of ``message``."""
    return _seal.verify(public, CHECKPOINT_LABEL + message, signature)


def signing_key_suite(key: bytes) -> str:
    """``"hybrid"`` or ``"classical"`` for a signing key (public or private); VaultError otherwise."""
    return _seal.signing_key_suite(key)


_PURPOSE = "sync-batch"
_SIGNATURE_LEN = {_seal.CLASSICAL: _seal.ED25519_SIG_LEN, _seal.HYBRID: _seal.HYBRID_SIGNATURE_LEN}


def new_signing_key() -> tuple[bytes, bytes]:
    """A fresh hybrid signing key pair: (private, public)."""
    private = _seal.hybrid_signing_generate()
    return private, _seal.signing_public_of(private)


def signing_public_key(private: bytes) -> bytes:
    """The public half of a raw (Ed25519 or hybrid) signing key."""
    return _seal.signing_public_of(private)


def _message(sender: str, body: bytes) -> bytes:
    return _seal.info(_PURPOSE, sender) + b"\x00" + body


def sign_batch(private: bytes, sender: str, body: bytes) -> bytes:
    """``signature || body``: what one node sends the other (over HTTP or on a file)."""
    return _seal.sign(private, _message(sender, body)) + body


def verify_batch(public: bytes, sender: str, signed: bytes) -> bytes:
    """The body of a signed packet from ``sender``; VaultError if anything about it is wrong.

    The peer's key decides the signature's length and suite: a hybrid key refuses a packet signed
    with Ed25519 alone.
    """
    length = _SIGNATURE_LEN[_seal.signing_key_suite(public)]
    if len(signed) < length:
        raise VaultError
    signature, body = signed[:length], signed[length:]
    if not _seal.verify(public, _message(sender, body), signature):
        raise VaultError
    return body
