"""Receipt codes: 16 digits shown once, never stored.

One Argon2id run over the code (site salt, production cost) gives a secret; HKDF derives from it,
under different labels, the stored lookup value and the reporter's X25519 message key pair.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from vault import _seal
from vault.kdf import Argon2Params, derive_key

RECEIPT_DIGITS = 16


@dataclass(frozen=True)
class ReceiptKeys:
    lookup: bytes
    reporter_private: bytes
    reporter_public: bytes


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
    private = _seal.private_from_seed(_seal.hkdf(secret, _seal.info("receipt", "reporter-key")))
    return ReceiptKeys(lookup, private, _seal.public_of(private))
