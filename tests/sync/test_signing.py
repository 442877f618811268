"""The vault's Ed25519 signatures of sync packets: a known answer, round trips, tampering."""

from __future__ import annotations

import pytest

import vault
from vault import _seal

# RFC 8032, section 7.1, TEST 2 (one-byte message 0x72).
SECRET = bytes.fromhex("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb")
PUBLIC = bytes.fromhex("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c")
SIGNATURE = bytes.fromhex(
    "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
    "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00")


def test_known_answer_of_rfc_8032() -> None:
    assert _seal.ed25519_public_of(SECRET) == PUBLIC
    assert _seal.ed25519_sign(SECRET, b"\x72") == SIGNATURE
    assert _seal.ed25519_verify(PUBLIC, b"\x72", SIGNATURE)


def test_round_trip_and_every_kind_of_tampering() -> None:
    private, public = vault.new_signing_key()
    assert vault.signing_public_key(private) == public
    signed = vault.sign_batch(private, "intake", b"batch body")
    assert vault.verify_batch(public, "intake", signed) == b"batch body"
    _other, stranger = vault.new_signing_key()
    for bad_public, sender, data in [
        (public, "internal", signed),  # the label binds the direction
        (stranger, "intake", signed),  # another node's key
        (public, "intake", signed[:-1] + bytes([signed[-1] ^ 1])),  # a changed body
        (public, "intake", bytes([signed[0] ^ 1]) + signed[1:]),  # a changed signature
        (public, "intake", signed[:10]),  # cut short
        (b"short", "intake", signed),  # not a key
    ]:
        with pytest.raises(vault.VaultError):
            vault.verify_batch(bad_public, sender, data)
