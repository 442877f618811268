"""Sealed content: how clue content, messages and files are encrypted, and under which context.

Every encrypted value is bound to a context string (the AEAD's associated data, and the HPKE info
of its data key): a value moved to another row or another clue no longer opens. The strings are
built here, by name, and nowhere else; they are part of what is stored, so each must stay exactly
as it is (tests/reporting/test_sealed.py pins them).
"""

from __future__ import annotations

import json
from typing import Protocol

import vault
from models.reporting.files import CleanFile


def data_key_context(report_id: str, key_id: str) -> str:
    """A clue's data key, sealed to the intake key."""
    return f"{report_id}/{key_id}"


def report_context(report_id: str) -> str:
    """The clue's content (category, description, people)."""
    return f"report/{report_id}"


def message_context(report_id: str, message_id: str) -> str:
    """A message between the reporter and the staff (both its staff box and its reporter box)."""
    return f"message/{report_id}/{message_id}"


def file_context(report_id: str, attachment_id: str) -> str:
    """An evidence file sent by the reporter (its meta is ``file_context(...) + "/meta"``)."""
    return f"attachment/{report_id}/{attachment_id}"


def reporter_file_context(report_id: str, attachment_id: str) -> str:
    """An evidence file's name and type, sealed to the reporter's receipt key for their own list."""
    return f"{file_context(report_id, attachment_id)}/reporter-meta"


def record_context(report_id: str, record_id: str) -> str:
    """A case record's body (check notes, conclusions, feedback …)."""
    return f"record/{report_id}/{record_id}"


def record_file_context(report_id: str, file_id: str) -> str:
    """A file attached to a case record."""
    return f"record-file/{report_id}/{file_id}"


def transfer_context(report_id: str, transfer_id: str) -> str:
    """The package handed to a receiving authority."""
    return f"transfer/{report_id}/{transfer_id}"


def measure_context(kind: str, report_id: str, key_id: str) -> str:
    """A protection measure's or risk note's text (``kind`` names which)."""
    return f"{kind}/{report_id}/{key_id}"


def pack_file(f: CleanFile) -> bytes:
    header = json.dumps({"filename": f.filename, "mime": f.mime}, ensure_ascii=False).encode()
    return len(header).to_bytes(4, "big") + header + f.data


def seal_file(key: bytes, f: CleanFile, context: str) -> tuple[bytes, bytes]:
    """(meta, blob) of a file under a data key: its name and type are also sealed on their own,
    so a case page lists files without decrypting (or even loading) every file's bytes."""
    header = json.dumps({"filename": f.filename, "mime": f.mime}, ensure_ascii=False).encode()
    return vault.encrypt_blob(key, header, context + "/meta"), vault.encrypt_blob(key, pack_file(f), context)


class StoredFile(Protocol):
    """A row holding a sealed file (evidence attachment or record file); ``blob`` loads lazily."""

    @property
    def meta(self) -> bytes | None: ...

    @property
    def blob(self) -> bytes: ...


def file_name_and_type(key: bytes, row: StoredFile, context: str) -> tuple[str, str]:
    """A stored file's name and type; files stored before ``meta`` existed are decrypted whole."""
    if row.meta is not None:
        header = json.loads(vault.decrypt_blob(key, row.meta, context + "/meta"))
        return header["filename"], header["mime"]
    name, mime, _data = unpack_file(vault.decrypt_blob(key, row.blob, context))
    return name, mime


def unpack_file(raw: bytes) -> tuple[str, str, bytes]:
    n = int.from_bytes(raw[:4], "big")
    header = json.loads(raw[4 : 4 + n])
    return header["filename"], header["mime"], raw[4 + n :]
