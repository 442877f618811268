"""Signed sync batches between the intake node and the internal node (Ed25519, RFC 8032).

Each node holds its own signing key and the peer's public key, exchanged when the nodes are set
up. A signature covers a label naming what was signed, so a signature made for one purpose (a
packet from the intake node) is never valid for another (a packet from the internal node).
"""

from __future__ import annotations

from vault import _seal
from vault.errors import VaultError

SIGNATURE_LEN = 64
_PURPOSE = "sync-batch"


def new_signing_key() -> tuple[bytes, bytes]:
    """A fresh Ed25519 key pair: (private, public), 32 bytes each."""
    return _seal.ed25519_generate()


def signing_public_key(private: bytes) -> bytes:
    return _seal.ed25519_public_of(private)


def _message(sender: str, body: bytes) -> bytes:
    return _seal.info(_PURPOSE, sender) + b"\x00" + body


def sign_batch(private: bytes, sender: str, body: bytes) -> bytes:
    """``signature || body``: what one node sends the other (over HTTP or on a file)."""
    return _seal.ed25519_sign(private, _message(sender, body)) + body


def verify_batch(public: bytes, sender: str, signed: bytes) -> bytes:
    """The body of a signed packet from ``sender``; VaultError if anything about it is wrong."""
    if len(signed) < SIGNATURE_LEN:
        raise VaultError
    signature, body = signed[:SIGNATURE_LEN], signed[SIGNATURE_LEN:]
    _seal.ed25519_verify(public, signature, _message(sender, body))
    return body
