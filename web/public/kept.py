"""Files kept across a re-render of the report form, without keeping them on the server.

When the form is shown again (an error, the language switch), the files already sent travel
back to the browser inside the page as one hidden field, encrypted under a key bound to the
form's submission token (``idempotency.token_key``). Nothing is written to disk or database;
the browser holds only ciphertext, and the next POST brings the files back. A field that does
not open (tampered, another form's) is ignored and the reporter is asked to attach again.
"""

from __future__ import annotations

import base64
import binascii
import json

import vault
from models.reporting import idempotency
from models.reporting.files import Upload
from models.store.runtime import Runtime

_CONTEXT = "report-form/kept-files"
# base64 makes the field a third larger; keep room in the request for new files and text.
_OVERHEAD = 4 / 3
# A page carrying more than this would choke a cheap phone: larger files are asked for again.
KEEP_AT_MOST = 25 * 2**20
# Each hidden field stays under the form parser's per-field memory cap (Flask: 500 000 bytes).
_CHUNK = 400_000


def seal_kept(rt: Runtime, token: str, files: list[Upload]) -> list[str] | None:
    """The hidden fields' values for ``files``, or None if they are too large to carry back."""
    if not files:
        return []
    header = json.dumps([[f.filename, len(f.data)] for f in files], ensure_ascii=False).encode()
    packed = len(header).to_bytes(4, "big") + header + b"".join(f.data for f in files)
    room = rt.config.max_request_bytes - rt.config.max_file_bytes
    if len(packed) > KEEP_AT_MOST or len(packed) * _OVERHEAD > room:
        return None
    key = idempotency.token_key(rt, token, "kept-files")
    value = base64.b64encode(vault.encrypt_blob(key, packed, _CONTEXT)).decode()
    return [value[i:i + _CHUNK] for i in range(0, len(value), _CHUNK)]


def open_kept(rt: Runtime, token: str, parts: list[str], keep: set[int] | None = None) -> list[Upload] | None:
    """The files of the hidden fields (only the indexes in ``keep``), or None if they do not open."""
    value = "".join(parts)
    if not value:
        return []
    key = idempotency.token_key(rt, token, "kept-files")
    try:
        packed = vault.decrypt_blob(key, base64.b64decode(value, validate=True), _CONTEXT)
    except (vault.VaultError, binascii.Error, ValueError):
        return None
    n = int.from_bytes(packed[:4], "big")
    offset, files = 4 + n, []
    for i, (name, size) in enumerate(json.loads(packed[4:offset])):
        if keep is None or i in keep:
            files.append(Upload(name, packed[offset:offset + size]))
        offset += size
    return files
