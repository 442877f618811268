"""Hypothesis properties: the vault's seals round-trip and refuse any tampering with one opaque
error; the text normaliser (tests/public/test_form_properties.py: the form).
Bounded and derandomised so ``make test`` is fast and repeatable."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import vault
from models.store import text

PROPS = settings(max_examples=40, derandomize=True, deadline=None, database=None)
KEY = bytes(range(32))
PRIVATE, PUBLIC = vault.generate_keypair()
contexts = st.text(min_size=1, max_size=40)


@PROPS
@given(data=st.binary(max_size=2048), context=contexts)
def test_blobs_round_trip(data: bytes, context: str) -> None:
    assert vault.decrypt_blob(KEY, vault.encrypt_blob(KEY, data, context), context) == data


@PROPS
@given(data=st.binary(min_size=1, max_size=512), context=contexts, where=st.integers(min_value=0),
       bit=st.integers(min_value=0, max_value=7))
def test_any_flipped_bit_is_refused_with_the_one_error(data: bytes, context: str, where: int, bit: int) -> None:
    blob = bytearray(vault.encrypt_blob(KEY, data, context))
    blob[where % len(blob)] ^= 1 << bit
    with pytest.raises(vault.VaultError):
        vault.decrypt_blob(KEY, bytes(blob), context)


@PROPS
@given(data=st.binary(max_size=256), context=contexts, other=contexts)
def test_a_blob_opens_only_in_its_own_context(data: bytes, context: str, other: str) -> None:
    blob = vault.encrypt_blob(KEY, data, context)
    if other != context:
        with pytest.raises(vault.VaultError):
            vault.decrypt_blob(KEY, blob, other)


@PROPS
@given(context=contexts, other=contexts)
def test_data_keys_open_only_with_their_context(context: str, other: str) -> None:
    sealed = vault.new_data_key(PUBLIC, context)
    assert vault.open_data_key(sealed.sealed, PRIVATE, context) == sealed.key
    if other != context:
        with pytest.raises(vault.VaultError):
            vault.open_data_key(sealed.sealed, PRIVATE, other)


@PROPS
@given(message=st.binary(max_size=512), context=contexts)
def test_reporter_seals_round_trip(message: bytes, context: str) -> None:
    assert vault.open_as_reporter(PRIVATE, vault.seal_to_reporter(PUBLIC, message, context), context) == message


@PROPS
@given(code=st.text(alphabet="0123456789", min_size=16, max_size=16),
       wide=st.lists(st.booleans(), min_size=16, max_size=16),
       gaps=st.lists(st.sampled_from(["", " ", "-", "\u3000", "－"]), min_size=16, max_size=16))
def test_a_receipt_reads_the_same_however_it_is_typed(code: str, wide: list[bool], gaps: list[str]) -> None:
    typed = "".join((chr(ord(c) + 0xFEE0) if w else c) + g for c, w, g in zip(code, wide, gaps, strict=True))
    assert vault.normalize_receipt(text.digits(typed)) == code


@PROPS
@given(value=st.recursive(st.text(max_size=10) | st.integers() | st.none(),
                          lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                                     max_size=3), max_leaves=10),
       bad=st.sampled_from(["\x00", "\ud800", "\udfff"]))
def test_unreadable_text_is_found_anywhere_in_json(value: object, bad: str) -> None:
    assert text.unreadable_paths(value) == [] or not text.is_readable(json.dumps(value, ensure_ascii=False))
    assert text.unreadable_paths({"x": [value, f"a{bad}b"]}) != []
    assert text.json_depth({"x": [value]}) >= 2


@PROPS
@given(name=st.text(max_size=300))
def test_file_names_are_always_safe(name: str) -> None:
    cleaned = text.clean_filename(name)
    assert cleaned and len(cleaned) <= text.MAX_FILENAME
    assert text.is_readable(cleaned) and "/" not in cleaned and "\\" not in cleaned
    assert all(ord(c) >= 0x20 and not 0x7F <= ord(c) <= 0x9F for c in cleaned)
