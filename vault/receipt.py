"""Receipt codes: 16 digits shown once, never stored.

One Argon2id run over the code (site salt, production cost) gives a secret; HKDF derives from it,
under different labels, the stored lookup value and the reporter's message key pair: hybrid
(ML-KEM-768 from a 64-byte seed + X25519, R32) for every report since R32, and the classical X25519
pair that reports stored before it still use (their messages stay sealed to that key).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from vault import _seal
from vault.errors import VaultError
from vault.kdf import Argon2Params, derive_key

RECEIPT_DIGITS = 16


@dataclass(frozen=True)
class ReceiptKeys:
    """What one receipt gives: the lookup value and the message key pairs (hybrid, and v1's X25519)."""

    lookup: bytes
    reporter_private: bytes
    reporter_public: bytes
    classical_private: bytes
    classical_public: bytes

    def private_for(self, stored_public: bytes) -> bytes:
        """The private key matching the public key stored with the report; else VaultError.

        A report that stores the hybrid key gets only the hybrid private key, which opens no
        classical value, so a value swapped in under the weaker suite is refused (R32).
        """
        if stored_public == self.reporter_public:
            return self.reporter_private
        if stored_public == self.classical_public:
            return self.classical_private
        raise VaultError


def new_receipt() -> str:
    """A fresh random 16-digit receipt code."""
    return "".join(secrets.choice("0123456789") for _ in range(RECEIPT_DIGITS))


def normalize_receipt(text: str) -> str:
    """Digits only, so '1234 5678-…' typed on a phone still works; may be the wrong length."""
    return "".join(ch for ch in text if ch.isdigit() and ch.isascii())[: RECEIPT_DIGITS * 2]


def format_receipt(code: str) -> str:
    """Groups of four, easier to copy down by hand."""
    return " ".join(code[i : i + 4] for i in range(0, len(code), 4))


def derive_receipt_keys(code: str, site_salt: bytes, params: Argon2Params) -> ReceiptKeys:
    """The lookup value and message key pair of a receipt (one Argon2id run)."""
    secret = derive_key(code.encode(), site_salt, params)
    lookup = _seal.hkdf(secret, _seal.info("receipt", "lookup"))
    classical = _seal.private_from_seed(_seal.hkdf(secret, _seal.info("receipt", "reporter-key")))
    seeds = _seal.hkdf(secret, _seal.info("receipt", "reporter-key", "hybrid"),
                       _seal.MLKEM_SEED_LEN + _seal.KEY_LEN)
    hybrid = _seal.hybrid_private_from_seeds(seeds[:_seal.MLKEM_SEED_LEN], seeds[_seal.MLKEM_SEED_LEN:])
    return ReceiptKeys(lookup, hybrid, _seal.public_of(hybrid), classical, _seal.public_of(classical))
