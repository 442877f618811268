"""The cleaning child: limits itself, reads one file on stdin, writes the cleaned file on stdout.

Run by ``sandbox`` as ``python -m models.reporting.cleaning.child MIME CPU_SECONDS MEMORY_BYTES
FILE_BYTES``. It sets its own resource limits before it reads a byte of the file, so a decoder
bug in Pillow, qpdf or ffmpeg (which inherits them) costs at most those. Its answer is one line
of JSON (``{"ok": true, "removed": {...}}`` or ``{"ok": false, "reason": "..."}``), then, when
it succeeded, the cleaned bytes. Nothing of the file or its metadata is written anywhere else.
"""

from __future__ import annotations

import json
import resource
import sys

from models.reporting.cleaning.errors import CleaningFailed

OOXML = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
ODF = {
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.presentation",
}


def limit_self(cpu_seconds: int, memory_bytes: int, file_bytes: int) -> None:
    """Cap this process and everything it starts: CPU time, address space, written file size."""
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_FSIZE, (file_bytes, file_bytes))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def clean(data: bytes, mime: str) -> tuple[bytes, dict[str, str]]:
    """Dispatch to the cleaner of this type (imported here, so a child loads only what it needs)."""
    if mime.startswith("image/"):
        from models.reporting.cleaning.images import clean_image
        return clean_image(data, mime)
    if mime == "application/pdf":
        from models.reporting.cleaning.documents import clean_pdf
        return clean_pdf(data)
    if mime in OOXML or mime in ODF:
        from models.reporting.cleaning.documents import clean_office
        return clean_office(data, odf=mime in ODF)
    from models.reporting.cleaning.media import MUXERS, clean_media
    if mime in MUXERS:
        return clean_media(data, mime)
    raise CleaningFailed("unsupported")


def main() -> None:
    mime, cpu, memory, file_bytes = sys.argv[1], *(int(a) for a in sys.argv[2:5])
    limit_self(cpu, memory, file_bytes)
    out = sys.stdout.buffer
    try:
        data = sys.stdin.buffer.read()
        cleaned, removed = clean(data, mime)
    except CleaningFailed as err:
        out.write(json.dumps({"ok": False, "reason": err.reason}).encode() + b"\n")
    except MemoryError:
        out.write(b'{"ok": false, "reason": "limit"}\n')
    except Exception:  # a hostile file may break any parser; the answer is a refusal
        out.write(b'{"ok": false, "reason": "unreadable"}\n')
    else:
        out.write(json.dumps({"ok": True, "removed": removed}, ensure_ascii=False).encode() + b"\n")
        out.write(cleaned)
    out.flush()


if __name__ == "__main__":
    main()
