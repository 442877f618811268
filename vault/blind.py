"""A keyed blind index (issue 24): equal normalised values give equal tokens, only under the key.

The index key is derived from the intake private key through HKDF with its own label, so only a
holder of that key (the staff side) can compute a token; the public app and an intake node, which
hold the public half only, cannot, and a stolen database without the key cannot confirm a guessed
name. A token is HMAC-SHA256 over the kind and the value, cut to 16 bytes.
"""

from __future__ import annotations

import hashlib
import hmac

from vault import _seal

TOKEN_LEN = 16


def index_key(intake_private: bytes) -> bytes:
    """The blind-index key of an installation, derived from its intake private key."""
    return _seal.hkdf(intake_private, _seal.info("blind-index", "v1"))


def blind_token(key: bytes, kind: str, value: str) -> bytes:
    """The token of one normalised value of one kind (a name and a phone number never collide)."""
    return hmac.new(key, f"{kind}\x00{value}".encode(), hashlib.sha256).digest()[:TOKEN_LEN]
