"""HPKE (RFC 9180), AES-GCM, Ed25519 and ML-DSA behind one small wall: the only place hazmat is imported.

Two HPKE suites (R32). Every key and every sealed value names its suite, so the key that opens a
value decides what it accepts:

- classical (v1, what ClueGuard sealed before R32): DHKEM(X25519, HKDF-SHA256), HKDF-SHA256,
  AES-256-GCM. Keys are 32 raw bytes; sealed values carry no tag (``enc || ciphertext``).
- hybrid (``CGH1``): the ML-KEM-768 + X25519 KEM (``KEM.MLKEM768_X25519``), HKDF-SHA256, AES-256-GCM.
  Public key ``CGH1 || ML-KEM-768 encapsulation key (1184) || X25519 (32)``; private key
  ``CGH1 || ML-KEM-768 seed (64) || X25519 (32)``; sealed value ``CGH1 || enc (1120) || ciphertext``.

A classical key opens only untagged values, a hybrid key only ``CGH1`` values: no value is ever
opened under a weaker suite than its key's (the downgrade rule). Signatures the same way: a
classical Ed25519 key (32 bytes) verifies Ed25519 signatures; a hybrid key (``CGD1``) verifies only
``CGD1`` signatures, and only when both the Ed25519 and the ML-DSA-65 halves hold.
"""

from __future__ import annotations

import functools
import os

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, hpke
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.mldsa import MLDSA65PrivateKey, MLDSA65PublicKey
from cryptography.hazmat.primitives.asymmetric.mlkem import MLKEM768PrivateKey, MLKEM768PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from vault.errors import VaultError

_SUITE = hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)
_HYBRID_SUITE = hpke.Suite(hpke.KEM.MLKEM768_X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)
_DOMAIN = b"clueguard/v1/"
KEY_LEN = 32
NONCE_LEN = 12

CLASSICAL = "classical"
HYBRID = "hybrid"
HYBRID_TAG = b"CGH1"
MLKEM_SEED_LEN = 64
MLKEM_PUBLIC_LEN = 1184
HYBRID_PUBLIC_LEN = len(HYBRID_TAG) + MLKEM_PUBLIC_LEN + KEY_LEN
HYBRID_PRIVATE_LEN = len(HYBRID_TAG) + MLKEM_SEED_LEN + KEY_LEN
_HYBRID_ENC_LEN = hpke.KEM.MLKEM768_X25519.enc_length()
_AEAD_TAG_LEN = 16

SIGNATURE_TAG = b"CGD1"
ED25519_SIG_LEN = 64
MLDSA_SEED_LEN = 32
MLDSA_PUBLIC_LEN = 1952
MLDSA_SIG_LEN = 3309
HYBRID_SIGNING_PUBLIC_LEN = len(SIGNATURE_TAG) + KEY_LEN + MLDSA_PUBLIC_LEN
HYBRID_SIGNING_PRIVATE_LEN = len(SIGNATURE_TAG) + KEY_LEN + MLDSA_SEED_LEN
HYBRID_SIGNATURE_LEN = len(SIGNATURE_TAG) + ED25519_SIG_LEN + MLDSA_SIG_LEN


def info(purpose: str, *context: str) -> bytes:
    """The label that binds a seal to what it is for and to whom it belongs."""
    return _DOMAIN + "/".join((purpose, *context)).encode()


def key_suite(key: bytes) -> str:
    """The suite a public or private KEM key belongs to; VaultError for anything else."""
    if len(key) == KEY_LEN:
        return CLASSICAL
    if len(key) in (HYBRID_PUBLIC_LEN, HYBRID_PRIVATE_LEN) and key.startswith(HYBRID_TAG):
        return HYBRID
    raise VaultError


def sealed_suite(sealed: bytes) -> str:
    """The suite a sealed value names: ``CGH1`` values are hybrid, untagged ones classical (v1)."""
    if sealed.startswith(HYBRID_TAG) and len(sealed) >= len(HYBRID_TAG) + _HYBRID_ENC_LEN + _AEAD_TAG_LEN:
        return HYBRID
    return CLASSICAL


def generate_private() -> bytes:
    """A fresh hybrid private key: a random ML-KEM-768 seed and a random X25519 key."""
    return hybrid_private_from_seeds(os.urandom(MLKEM_SEED_LEN), os.urandom(KEY_LEN))


def generate_classical_private() -> bytes:
    """A classical X25519 private key: only for tests and vectors of values sealed before R32."""
    return X25519PrivateKey.generate().private_bytes_raw()


def hybrid_private_from_seeds(mlkem_seed: bytes, x25519_seed: bytes) -> bytes:
    """A hybrid private key from a 64-byte ML-KEM seed (FIPS 203 d||z) and 32 X25519 bytes."""
    if len(mlkem_seed) != MLKEM_SEED_LEN or len(x25519_seed) != KEY_LEN:
        raise VaultError
    return HYBRID_TAG + mlkem_seed + private_from_seed(x25519_seed)


def _hybrid_parts(private: bytes) -> tuple[MLKEM768PrivateKey, X25519PrivateKey]:
    body = private[len(HYBRID_TAG):]
    return (MLKEM768PrivateKey.from_seed_bytes(body[:MLKEM_SEED_LEN]),
            X25519PrivateKey.from_private_bytes(body[MLKEM_SEED_LEN:]))


def public_of(private: bytes) -> bytes:
    """The public half of a classical or hybrid private key, in the same suite."""
    try:
        if key_suite(private) == CLASSICAL:
            return X25519PrivateKey.from_private_bytes(private).public_key().public_bytes_raw()
        if len(private) != HYBRID_PRIVATE_LEN:
            raise VaultError
        mlkem, x25519 = _hybrid_parts(private)
    except ValueError as exc:
        raise VaultError from exc
    return HYBRID_TAG + mlkem.public_key().public_bytes_raw() + x25519.public_key().public_bytes_raw()


@functools.lru_cache(maxsize=64)
def _hybrid_public_key(public: bytes) -> hpke.MLKEM768X25519PublicKey:
    # Parsing (and checking) a 1184-byte ML-KEM key costs as much as an X25519 seal: the
    # intake key and the custodians' keys are the same few keys for every seal, so parse once.
    body = public[len(HYBRID_TAG):]
    return hpke.MLKEM768X25519PublicKey(MLKEM768PublicKey.from_public_bytes(body[:MLKEM_PUBLIC_LEN]),
                                        X25519PublicKey.from_public_bytes(body[MLKEM_PUBLIC_LEN:]))


@functools.lru_cache(maxsize=4)
def _hybrid_private_key(private: bytes) -> hpke.MLKEM768X25519PrivateKey:
    # Expanding the ML-KEM seed costs a fifth of an open; the staff side opens many values with
    # its one intake key (a keyword search decrypts every candidate clue). Four entries: the
    # intake key stays, a custodian's key passes through. The same bytes live in the process anyway.
    return hpke.MLKEM768X25519PrivateKey(*_hybrid_parts(private))


def hpke_seal(public: bytes, plaintext: bytes, label: bytes) -> bytes:
    """Seal to a public key in its own suite: hybrid keys give ``CGH1`` values."""
    try:
        if key_suite(public) == CLASSICAL:
            return _SUITE.encrypt(plaintext, X25519PublicKey.from_public_bytes(public), info=label)
        if len(public) != HYBRID_PUBLIC_LEN:
            raise VaultError
        return HYBRID_TAG + _HYBRID_SUITE.encrypt(plaintext, _hybrid_public_key(public), info=label)
    except ValueError as exc:
        raise VaultError from exc


def hpke_open(private: bytes, sealed: bytes, label: bytes) -> bytes:
    """Open a value sealed to ``private``; a hybrid key refuses a classical value (no downgrade)."""
    try:
        if key_suite(private) == CLASSICAL:
            return _SUITE.decrypt(sealed, X25519PrivateKey.from_private_bytes(private), info=label)
        if len(private) != HYBRID_PRIVATE_LEN or sealed_suite(sealed) != HYBRID:
            raise VaultError
        return _HYBRID_SUITE.decrypt(sealed[len(HYBRID_TAG):], _hybrid_private_key(private), info=label)
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


def signing_key_suite(key: bytes) -> str:
    """The suite of a signing key (public or private): 32 raw bytes Ed25519, ``CGD1`` hybrid."""
    if len(key) == KEY_LEN:
        return CLASSICAL
    if (len(key) in (HYBRID_SIGNING_PUBLIC_LEN, HYBRID_SIGNING_PRIVATE_LEN)
            and key.startswith(SIGNATURE_TAG)):
        return HYBRID
    raise VaultError


def hybrid_signing_generate() -> bytes:
    """A hybrid signing key: ``CGD1 || Ed25519 private (32) || ML-DSA-65 seed (32)``."""
    return SIGNATURE_TAG + ed25519_generate() + os.urandom(MLDSA_SEED_LEN)


def _mldsa(private: bytes) -> MLDSA65PrivateKey:
    return MLDSA65PrivateKey.from_seed_bytes(private[len(SIGNATURE_TAG) + KEY_LEN:])


def signing_public_of(private: bytes) -> bytes:
    """The public half of an Ed25519 or hybrid signing key."""
    if signing_key_suite(private) == CLASSICAL:
        return ed25519_public_of(private)
    if len(private) != HYBRID_SIGNING_PRIVATE_LEN:
        raise VaultError
    try:
        mldsa_public = _mldsa(private).public_key().public_bytes_raw()
    except ValueError as exc:
        raise VaultError from exc
    ed = private[len(SIGNATURE_TAG):len(SIGNATURE_TAG) + KEY_LEN]
    return SIGNATURE_TAG + ed25519_public_of(ed) + mldsa_public


def sign(private: bytes, message: bytes) -> bytes:
    """Sign in the key's suite. A hybrid signature signs ``CGD1 || message`` with both keys, so
    neither half, stripped off, is a valid signature for a classical key."""
    if signing_key_suite(private) == CLASSICAL:
        return ed25519_sign(private, message)
    if len(private) != HYBRID_SIGNING_PRIVATE_LEN:
        raise VaultError
    bound = SIGNATURE_TAG + message
    ed = private[len(SIGNATURE_TAG):len(SIGNATURE_TAG) + KEY_LEN]
    try:
        mldsa_signature = _mldsa(private).sign(bound)
    except ValueError as exc:
        raise VaultError from exc
    return SIGNATURE_TAG + ed25519_sign(ed, bound) + mldsa_signature


def verify(public: bytes, message: bytes, signature: bytes) -> bool:
    """True only for a signature in the key's own suite; a hybrid key needs both halves to hold."""
    try:
        suite = signing_key_suite(public)
    except VaultError:
        return False
    if suite == CLASSICAL:
        return ed25519_verify(public, message, signature)
    if (len(public) != HYBRID_SIGNING_PUBLIC_LEN or len(signature) != HYBRID_SIGNATURE_LEN
            or not signature.startswith(SIGNATURE_TAG)):
        return False
    bound = SIGNATURE_TAG + message
    t = len(SIGNATURE_TAG)
    ed_public, mldsa_public = public[t:t + KEY_LEN], public[t + KEY_LEN:]
    ed_signature, mldsa_signature = signature[t:t + ED25519_SIG_LEN], signature[t + ED25519_SIG_LEN:]
    if not ed25519_verify(ed_public, bound, ed_signature):
        return False
    try:
        MLDSA65PublicKey.from_public_bytes(mldsa_public).verify(mldsa_signature, bound)
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def ed25519_generate() -> bytes:
    """A raw Ed25519 private key (32 bytes)."""
    return Ed25519PrivateKey.generate().private_bytes_raw()


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


def ed25519_verify(public: bytes, message: bytes, signature: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(signature, message)
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True
