"""Hybrid post-quantum sealing and signatures in the vault (R32): known answers, round trips,
tampering, wrong keys and the downgrade rule.

Where the vectors in ``tests/vault/vectors/pq.json`` come from:

- ``mlkem768_keygen``: the first three entries of ``kat_MLKEM_768.rsp`` and ``mldsa65`` the first
  three of ``kat_MLDSA_65_det_pure.rsp``, both from github.com/post-quantum-cryptography/KAT, and
  ``hpke_mlkem768_x25519`` the two MLKEM768-X25519 (kem_id 0x647a) entries of draft-ietf-hpke-pq's
  Appendix A (hpkewg/hpke-pq ``test-vectors.json``). We had no network to fetch them from their
  upstreams; they were copied, trimmed, from the ``cryptography_vectors`` 50.0.2 wheel (pip), whose
  files had these SHA-256 sums: kat_MLKEM_768.rsp 6ecab47c…e1ba860a, kat_MLDSA_65_det_pure.rsp
  cd64e999…b96d0bd0, hpke-pq-test-vectors.json ba1f9067…3213888. They check the primitives and
  that our key layout is the standard's (pkRm = ML-KEM-768 encapsulation key || X25519).
- ``clueguard``: values generated ONCE with this version of the vault (cryptography 51.0.1). They
  are not independent answers: they pin ClueGuard's own formats (the CGH1/CGD1 tags, the labels,
  the receipt derivation), so that what is sealed today still opens after any later change.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from cryptography.hazmat.bindings._rust import openssl as rust_openssl
from cryptography.hazmat.primitives import hpke
from cryptography.hazmat.primitives.asymmetric.mldsa import MLDSA65PublicKey
from cryptography.hazmat.primitives.asymmetric.mlkem import MLKEM768PrivateKey

import vault
from vault import CHEAP, CustodianShare, VaultError, _seal

PQ = json.loads((Path(__file__).parent / "vectors" / "pq.json").read_text())
OURS = PQ["clueguard"]
TAG = len(_seal.HYBRID_TAG)


def _flip(value: bytes, at: int) -> bytes:
    return value[:at] + bytes([value[at] ^ 1]) + value[at + 1:]


# --- the standards' vectors -------------------------------------------------------------------

@pytest.mark.parametrize("v", PQ["mlkem768_keygen"], ids=lambda v: v["count"])
def test_mlkem768_key_from_seed_matches_the_kat(v: dict[str, str]) -> None:
    seed = bytes.fromhex(v["d"] + v["z"])  # FIPS 203: the 64-byte seed is d || z
    public = _seal.public_of(_seal.hybrid_private_from_seeds(seed, b"\x07" * 32))
    assert public[TAG:TAG + _seal.MLKEM_PUBLIC_LEN].hex() == v["pk"]
    # the library under the wall decapsulates the KAT's ciphertext to its shared secret
    private = MLKEM768PrivateKey.from_seed_bytes(seed)
    assert private.decapsulate(bytes.fromhex(v["ct"])).hex() == v["ss"]


@pytest.mark.parametrize("v", PQ["mldsa65"], ids=lambda v: v["count"])
def test_mldsa65_key_from_seed_and_signature_match_the_kat(v: dict[str, str]) -> None:
    private = _seal.SIGNATURE_TAG + b"\x01" * 32 + bytes.fromhex(v["xi"])
    public = _seal.signing_public_of(private)
    mldsa_public = public[TAG + _seal.KEY_LEN:]
    assert mldsa_public.hex() == v["pk"]
    key = MLDSA65PublicKey.from_public_bytes(mldsa_public)
    key.verify(bytes.fromhex(v["sig"]), bytes.fromhex(v["msg"]), bytes.fromhex(v["ctx"]))


@pytest.mark.parametrize("v", PQ["hpke_mlkem768_x25519"], ids=lambda v: str(v["kdf_id"]))
def test_hybrid_key_layout_is_the_drafts_and_opens_its_vector(v: dict) -> None:
    # draft-ietf-hpke-pq: a 32-byte decapsulation seed expands (SHAKE256) into the ML-KEM-768
    # seed and the X25519 key; the public key is ML-KEM-768's followed by X25519's.
    expanded = hashlib.shake_256(bytes.fromhex(v["skRm"])).digest(96)
    private = _seal.hybrid_private_from_seeds(expanded[:64], expanded[64:])
    assert _seal.public_of(private) == _seal.HYBRID_TAG + bytes.fromhex(v["pkRm"])
    kdf = {1: hpke.KDF.HKDF_SHA256, 17: hpke.KDF.SHAKE256}[v["kdf_id"]]
    suite = hpke.Suite(hpke.KEM.MLKEM768_X25519, kdf, hpke.AEAD.CHACHA20_POLY1305)
    key = hpke.MLKEM768X25519PrivateKey(*_seal._hybrid_parts(private))
    first = v["encryption"]
    # the vector's first encryption has associated data, which only the library's test hook takes
    opened = rust_openssl.hpke._decrypt_with_aad(
        suite, bytes.fromhex(v["enc"] + first["ct"]), key, info=bytes.fromhex(v["info"]),
        aad=bytes.fromhex(first["aad"]))
    assert opened.hex() == first["pt"]


# --- ClueGuard's own formats, pinned --------------------------------------------------------

def test_known_answer_hybrid_receipt_derivation() -> None:
    v = OURS["receipt"]
    keys = vault.derive_receipt_keys(v["code"], bytes.fromhex(v["salt"]), vault.Argon2Params(**v["params"]))
    assert keys.lookup.hex() == v["lookup"]
    assert keys.reporter_public.hex() == v["reporter_public"]
    assert keys.classical_public.hex() == v["classical_public"]
    assert vault.key_suite(keys.reporter_public) == vault.HYBRID
    # the classical half is exactly what the receipt gave before R32 (tests/vault/vectors/vault.json)
    old = json.loads((Path(__file__).parent / "vectors" / "vault.json").read_text())["receipt"]
    assert old["code"] == v["code"] and old["salt"] == v["salt"] and old["params"] == v["params"]
    assert keys.classical_public.hex() == old["reporter_public"]


def test_known_answer_hybrid_values_open() -> None:
    v = OURS["identity"]
    shares = [CustodianShare(c["id"], bytes.fromhex(c["sealed_share"]), bytes.fromhex(c["wrapped_key"]),
                             c["passphrase"]) for c in v["custodians"][1:]]
    assert vault.open_identity(bytes.fromhex(v["ciphertext"]), v["report_id"], shares) == v["identity"].encode()
    d = OURS["data_key"]
    key = vault.open_data_key(bytes.fromhex(d["sealed"]), bytes.fromhex(d["intake_private"]), d["context"])
    assert vault.decrypt_blob(key, bytes.fromhex(d["blob"]), d["blob_context"]).decode() == d["plaintext"]
    r, m = OURS["receipt"], OURS["reporter_message"]
    keys = vault.derive_receipt_keys(r["code"], bytes.fromhex(r["salt"]), vault.Argon2Params(**r["params"]))
    opened = vault.open_as_reporter(keys.private_for(bytes.fromhex(r["reporter_public"])),
                                    bytes.fromhex(m["sealed"]), m["context"])
    assert opened.decode() == m["plaintext"]
    c = OURS["checkpoint"]
    assert vault.verify_checkpoint(bytes.fromhex(c["public"]), bytes.fromhex(c["message"]),
                                   bytes.fromhex(c["signature"]))
    s = OURS["sync_batch"]
    body = vault.verify_batch(bytes.fromhex(s["public"]), s["sender"], bytes.fromhex(s["signed"]))
    assert body == s["body"].encode()


def test_every_new_value_names_the_hybrid_suite() -> None:
    private, public = vault.generate_keypair()
    assert vault.key_suite(private) == vault.key_suite(public) == vault.HYBRID
    assert len(public) == _seal.HYBRID_PUBLIC_LEN == 4 + 1184 + 32
    sealed = vault.new_data_key(public, "r/k").sealed
    assert sealed.startswith(b"CGH1") and vault.sealed_suite(sealed) == vault.HYBRID
    custodian_public, _ = vault.create_custodian_key("custodian passphrase", CHEAP)
    identity = vault.seal_identity(b"x", "r", {"a": custodian_public, "b": custodian_public}, 2)
    assert {vault.sealed_suite(s) for s in identity.shares.values()} == {vault.HYBRID}
    signing_public, _ = vault.create_signing_key("auditor passphrase", CHEAP, "auditor-signing")
    assert vault.signing_key_suite(signing_public) == vault.HYBRID
    assert len(signing_public) == 4 + 32 + 1952
    assert vault.signing_key_suite(vault.new_signing_key()[1]) == vault.HYBRID


# --- round trips, tampering, wrong keys -----------------------------------------------------

@pytest.fixture(scope="module")
def intake() -> tuple[bytes, bytes]:
    return vault.generate_keypair()


def test_data_key_round_trip_tampering_and_wrong_key(intake: tuple[bytes, bytes]) -> None:
    private, public = intake
    dk = vault.new_data_key(public, "report-1/key-1")
    assert vault.open_data_key(dk.sealed, private, "report-1/key-1") == dk.key
    other_private, _ = vault.generate_keypair()
    # a byte of the tag, of the ML-KEM ciphertext, of the X25519 share, of the AEAD ciphertext
    for at in (0, TAG + 10, TAG + 1088 + 5, len(dk.sealed) - 3):
        with pytest.raises(VaultError):
            vault.open_data_key(_flip(dk.sealed, at), private, "report-1/key-1")
    for key, context in ((other_private, "report-1/key-1"), (private, "report-2/key-1")):
        with pytest.raises(VaultError):
            vault.open_data_key(dk.sealed, key, context)
    with pytest.raises(VaultError):
        vault.open_data_key(dk.sealed[:TAG + 1120], private, "report-1/key-1")


def test_hybrid_needs_both_halves_of_the_key(intake: tuple[bytes, bytes]) -> None:
    """Either half alone (the other replaced) opens nothing: an adversary must break both."""
    private, public = intake
    sealed = vault.new_data_key(public, "r/k").sealed
    mlkem, x25519 = private[TAG:TAG + 64], private[TAG + 64:]
    for forged in (_seal.hybrid_private_from_seeds(mlkem, b"\x05" * 32),
                   _seal.hybrid_private_from_seeds(b"\x06" * 64, x25519)):
        with pytest.raises(VaultError):
            vault.open_data_key(sealed, forged, "r/k")


def test_reporter_message_round_trip_tampering_and_wrong_receipt() -> None:
    keys = vault.derive_receipt_keys("1111222233334444", b"s" * 16, CHEAP)
    other = vault.derive_receipt_keys("1111222233334445", b"s" * 16, CHEAP)
    sealed = vault.seal_to_reporter(keys.reporter_public, b"reply", "r/m1")
    assert vault.sealed_suite(sealed) == vault.HYBRID
    assert vault.open_as_reporter(keys.private_for(keys.reporter_public), sealed, "r/m1") == b"reply"
    with pytest.raises(VaultError):
        vault.open_as_reporter(keys.reporter_private, _flip(sealed, len(sealed) // 2), "r/m1")
    with pytest.raises(VaultError):
        vault.open_as_reporter(other.reporter_private, sealed, "r/m1")
    with pytest.raises(VaultError):
        vault.open_as_reporter(keys.reporter_private, sealed, "r/m2")
    with pytest.raises(VaultError):  # a report storing another receipt's key gives no private key
        keys.private_for(other.reporter_public)


def test_identity_with_hybrid_custodians_resealed_and_redealt() -> None:
    custodians = {f"c{i}": vault.create_custodian_key(f"passphrase {i}", CHEAP) for i in range(3)}
    publics = {c: pub for c, (pub, _) in custodians.items()}
    sealed = vault.seal_identity(b"identity", "r", publics, 2)
    shares = [CustodianShare(c, sealed.shares[c], custodians[c][1], f"passphrase {c[1]}") for c in ("c0", "c2")]
    assert vault.open_identity(sealed.ciphertext, "r", shares) == b"identity"
    requester_private, requester_public = vault.generate_keypair()
    resealed = {s.custodian_id: vault.reseal_share(s, "r", "q", requester_public) for s in shares}
    assert {vault.sealed_suite(v) for v in resealed.values()} == {vault.HYBRID}
    assert vault.open_resealed(sealed.ciphertext, "r", "q", resealed, requester_private) == b"identity"
    bad = {**resealed, "c0": _flip(resealed["c0"], 600)}
    with pytest.raises(VaultError):
        vault.open_resealed(sealed.ciphertext, "r", "q", bad, requester_private)
    redealt = vault.deal_shares(sealed.ciphertext, "r", shares, publics, 3)
    assert {vault.sealed_suite(v) for v in redealt.values()} == {vault.HYBRID}


@pytest.fixture(scope="module")
def auditor() -> tuple[bytes, bytes]:
    return vault.create_signing_key("auditor passphrase", CHEAP, "auditor-signing")


def test_checkpoint_signature_needs_both_halves(auditor: tuple[bytes, bytes]) -> None:
    public, wrapped = auditor
    signature = vault.sign_checkpoint(wrapped, "auditor passphrase", "auditor-signing", b"head")
    assert len(signature) == _seal.HYBRID_SIGNATURE_LEN
    assert vault.verify_checkpoint(public, b"head", signature)
    assert not vault.verify_checkpoint(public, b"head2", signature)
    for at in (0, TAG + 5, TAG + 64 + 100, len(signature) - 1):  # tag, Ed25519 half, ML-DSA half
        assert not vault.verify_checkpoint(public, b"head", _flip(signature, at))
    other_public, other_wrapped = vault.create_signing_key("other", CHEAP, "auditor-signing")
    other = vault.sign_checkpoint(other_wrapped, "other", "auditor-signing", b"head")
    assert not vault.verify_checkpoint(other_public[:TAG + 32] + public[TAG + 32:], b"head", signature)
    # one half from another key's signature: Ed25519 ours, ML-DSA theirs, and the other way round
    mixed = signature[:TAG + 64] + other[TAG + 64:]
    assert not vault.verify_checkpoint(public, b"head", mixed)
    mixed = other[:TAG + 64] + signature[TAG + 64:]
    assert not vault.verify_checkpoint(public, b"head", mixed)


def test_sync_batch_round_trip_tampering_and_wrong_sender() -> None:
    private, public = vault.new_signing_key()
    signed = vault.sign_batch(private, "intake", b"body")
    assert vault.verify_batch(public, "intake", signed) == b"body"
    for bad in (_flip(signed, 10), _flip(signed, len(signed) - 1), signed[:-1], signed[:100]):
        with pytest.raises(VaultError):
            vault.verify_batch(public, "intake", bad)
    with pytest.raises(VaultError):
        vault.verify_batch(public, "internal", signed)
    with pytest.raises(VaultError):
        vault.verify_batch(vault.new_signing_key()[1], "intake", signed)


# --- the downgrade rule ---------------------------------------------------------------------

def test_a_hybrid_key_refuses_a_classical_value_with_the_opaque_error(intake: tuple[bytes, bytes]) -> None:
    """A classical value (X25519 alone, e.g. forged by whoever breaks X25519) never opens under a
    hybrid key, even one whose X25519 half it was sealed to."""
    private, _ = intake
    x25519_private = private[TAG + 64:]
    classical = vault.new_data_key(_seal.public_of(x25519_private), "r/k").sealed
    assert vault.sealed_suite(classical) == vault.CLASSICAL
    assert vault.open_data_key(classical, x25519_private, "r/k")  # it is a good classical value
    with pytest.raises(VaultError) as info:
        vault.open_data_key(classical, private, "r/k")
    assert str(info.value) == "cannot open"
    with pytest.raises(VaultError):  # a classical value dressed with the hybrid tag
        vault.open_data_key(b"CGH1" + classical + bytes(1200), private, "r/k")


def test_a_hybrid_receipt_key_refuses_a_classical_message() -> None:
    keys = vault.derive_receipt_keys("1111222233334444", b"s" * 16, CHEAP)
    classical = vault.seal_to_reporter(keys.classical_public, b"forged", "r/m")
    with pytest.raises(VaultError):
        vault.open_as_reporter(keys.private_for(keys.reporter_public), classical, "r/m")
    # a report stored before R32 keeps its classical key, and its messages still open
    assert vault.open_as_reporter(keys.private_for(keys.classical_public), classical, "r/m") == b"forged"


def test_a_hybrid_signing_key_refuses_an_ed25519_signature(auditor: tuple[bytes, bytes]) -> None:
    public, wrapped = auditor
    private = vault.unwrap_private_key(wrapped, "auditor passphrase", "auditor-signing")
    ed_private = private[TAG:TAG + 32]
    ed_only = _seal.ed25519_sign(ed_private, vault.signing.CHECKPOINT_LABEL + b"head")
    assert not vault.verify_checkpoint(public, b"head", ed_only)
    # the Ed25519 half stripped from a hybrid signature is no classical signature either: both
    # halves sign the CGD1-tagged message
    hybrid = vault.sign_checkpoint(wrapped, "auditor passphrase", "auditor-signing", b"head")
    ed_public = public[TAG:TAG + 32]
    assert not vault.verify_checkpoint(ed_public, b"head", hybrid[TAG:TAG + 64])
    # a key made before R32 still verifies what it signed
    legacy_private = _seal.ed25519_generate()
    legacy = _seal.ed25519_sign(legacy_private, vault.signing.CHECKPOINT_LABEL + b"head")
    assert vault.verify_checkpoint(_seal.ed25519_public_of(legacy_private), b"head", legacy)


def test_a_hybrid_sync_peer_refuses_a_classical_packet() -> None:
    private, public = vault.new_signing_key()
    ed_private = private[TAG:TAG + 32]
    classical = _seal.ed25519_sign(ed_private, vault.signing._message("intake", b"body")) + b"body"
    with pytest.raises(VaultError):
        vault.verify_batch(public, "intake", classical)
    legacy_private = _seal.ed25519_generate()
    assert vault.verify_batch(_seal.ed25519_public_of(legacy_private), "intake",
                              vault.sign_batch(legacy_private, "intake", b"body")) == b"body"


def test_keys_of_no_known_suite_are_refused() -> None:
    for key in (b"", b"x" * 31, b"CGH1" + b"x" * 10, b"y" * _seal.HYBRID_PUBLIC_LEN):
        with pytest.raises(VaultError):
            vault.new_data_key(key, "r/k")
        with pytest.raises(VaultError):
            vault.open_data_key(b"CGH1" + bytes(1200), key, "r/k")
