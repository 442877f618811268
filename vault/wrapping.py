"""Private keys at rest, wrapped by a key that Argon2id derives from a passphrase.

Format (version 1): b"CGW1" | Argon2 params (12 bytes) | salt (16) | AES-GCM nonce+ciphertext.
The parameters travel with the key so a later cost increase does not strand old keys.
"""

from __future__ import annotations

import os

from vault import _seal
from vault.errors import VaultError
from vault.kdf import PACKED_LEN, Argon2Params, derive_key

_MAGIC = b"CGW1"
_SALT_LEN = 16


def wrap_private_key(private: bytes, passphrase: str, params: Argon2Params, purpose: str) -> bytes:
    """Encrypt a raw private key under a passphrase-derived key."""
    salt = os.urandom(_SALT_LEN)
    kek = derive_key(passphrase.encode(), salt, params)
    header = _MAGIC + params.pack() + salt
    return header + _seal.aead_encrypt(kek, private, _seal.info("wrap", purpose) + header)


def unwrap_private_key(wrapped: bytes, passphrase: str, purpose: str) -> bytes:
    """Recover a raw private key; any failure (wrong passphrase, tampering) is VaultError."""
    head_len = len(_MAGIC) + PACKED_LEN + _SALT_LEN
    if len(wrapped) <= head_len or not wrapped.startswith(_MAGIC):
        raise VaultError
    header = wrapped[:head_len]
    try:
        params = Argon2Params.unpack(header[len(_MAGIC) : len(_MAGIC) + PACKED_LEN])
        kek = derive_key(passphrase.encode(), header[-_SALT_LEN:], params)
    except Exception as exc:  # argon2 rejects absurd parameters from a tampered header
        raise VaultError from exc
    return _seal.aead_decrypt(kek, wrapped[head_len:], _seal.info("wrap", purpose) + header)


def create_keypair(passphrase: str, params: Argon2Params, purpose: str) -> tuple[bytes, bytes]:
    """A new hybrid key pair: (public key, private key wrapped under the passphrase)."""
    private = _seal.generate_private()
    return _seal.public_of(private), wrap_private_key(private, passphrase, params, purpose)


def rewrap_private_key(
    wrapped: bytes, old: str, new: str, params: Argon2Params, purpose: str
) -> bytes:
    """Change the passphrase that protects a private key (the key pair itself stays)."""
    return wrap_private_key(unwrap_private_key(wrapped, old, purpose), new, params, purpose)
