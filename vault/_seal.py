"""HPKE (RFC 9180), AES-GCM and Ed25519 behind one small wall: the only place hazmat is imported."""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, hpke
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from vault.errors import VaultError

_SUITE = hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)
_DOMAIN = b"clueguard/v1/"
KEY_LEN = 32
NONCE_LEN = 12


def info(purpose: str, *context: str) -> bytes:
    """The label that binds a seal to what it is for and to whom it belongs."""
    return _DOMAIN + "/".join((purpose, *context)).encode()


def generate_private() -> bytes:
    return X25519PrivateKey.generate().private_bytes_raw()


def public_of(private: bytes) -> bytes:
    try:
        return X25519PrivateKey.from_private_bytes(private).public_key().public_bytes_raw()
    except ValueError as exc:
        raise VaultError from exc


def hpke_seal(public: bytes, plaintext: bytes, label: bytes) -> bytes:
    try:
        key = X25519PublicKey.from_public_bytes(public)
    except ValueError as exc:
        raise VaultError from exc
    return _SUITE.encrypt(plaintext, key, info=label)


def hpke_open(private: bytes, sealed: bytes, label: bytes) -> bytes:
    try:
        key = X25519PrivateKey.from_private_bytes(private)
        return _SUITE.decrypt(sealed, key, info=label)
    except (InvalidTag, ValueError, TypeError) as exc:
        raise VaultError from exc


def aead_encrypt(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    nonce = os.urandom(NONCE_LEN)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def aead_decrypt(key: bytes, blob: bytes, aad: bytes) -> bytes:
    if len(blob) < NONCE_LEN + 16:
        raise VaultError
    try:
        return AESGCM(key).decrypt(blob[:NONCE_LEN], blob[NONCE_LEN:], aad)
    except (InvalidTag, ValueError) as exc:
        raise VaultError from exc


def hkdf(secret: bytes, label: bytes, length: int = KEY_LEN) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=label).derive(secret)


def private_from_seed(seed: bytes) -> bytes:
    """An X25519 private key from 32 derived bytes (X25519 clamps any 32 bytes)."""
    return X25519PrivateKey.from_private_bytes(seed).private_bytes_raw()


def ed25519_generate() -> tuple[bytes, bytes]:
    """(private, public) raw 32-byte Ed25519 keys."""
    key = Ed25519PrivateKey.generate()
    return key.private_bytes_raw(), key.public_key().public_bytes_raw()


def ed25519_public_of(private: bytes) -> bytes:
    try:
        return Ed25519PrivateKey.from_private_bytes(private).public_key().public_bytes_raw()
    except ValueError as exc:
        raise VaultError from exc


def ed25519_sign(private: bytes, message: bytes) -> bytes:
    try:
        return Ed25519PrivateKey.from_private_bytes(private).sign(message)
    except ValueError as exc:
        raise VaultError from exc


def ed25519_verify(public: bytes, signature: bytes, message: bytes) -> None:
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(signature, message)
    except (InvalidSignature, ValueError, TypeError) as exc:
        raise VaultError from exc
