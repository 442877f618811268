"""Signatures of the audit chain's head (R23): an Ed25519 key pair wrapped by its holder's passphrase.

The server stores only the public key and the wrapped private key, so it cannot sign a checkpoint
on its own: whoever rewrites the audit log would also need the auditor's passphrase.
"""

from __future__ import annotations

import hashlib

from vault import _seal
from vault.errors import VaultError
from vault.kdf import Argon2Params
from vault.wrapping import unwrap_private_key, wrap_private_key

CHECKPOINT_LABEL = _seal.info("audit-checkpoint")


def create_signing_key(passphrase: str, params: Argon2Params, purpose: str) -> tuple[bytes, bytes]:
    """A new Ed25519 key pair: (public key, private key wrapped under the passphrase)."""
    private = _seal.ed25519_generate()
    return _seal.ed25519_public_of(private), wrap_private_key(private, passphrase, params, purpose)


def key_fingerprint(public: bytes) -> str:
    """A short, readable fingerprint the holder writes down to recognise their key later."""
    digest = hashlib.sha256(b"clueguard-signing-key" + public).hexdigest()[:32]
    return ":".join(digest[i : i + 4] for i in range(0, 32, 4))


def sign_checkpoint(wrapped: bytes, passphrase: str, purpose: str, message: bytes) -> bytes:
    """Sign ``message`` with the unwrapped key; VaultError for a wrong passphrase or a tampered key."""
    private = unwrap_private_key(wrapped, passphrase, purpose)
    if len(private) != 32:
        raise VaultError
    return _seal.ed25519_sign(private, CHECKPOINT_LABEL + message)


def verify_checkpoint(public: bytes, message: bytes, signature: bytes) -> bool:
    """True only if ``signature`` is the holder's signature of ``message``."""
    return _seal.ed25519_verify(public, CHECKPOINT_LABEL + message, signature)
