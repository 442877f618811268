"""Documents: PDF with pikepdf; Office Open XML and OpenDocument as zips rewritten part by part.

PDF: the document information dictionary (/Author, /Creator, /Producer, dates), the XMP metadata
streams of the catalogue and of every object, /PieceInfo (an editor's private data) and the
author (/T) of every comment go; the file
is written anew, so earlier revisions kept by incremental saves go too. An encrypted PDF that needs
a password is refused: it cannot be checked.

docx, xlsx, pptx: the core, app and custom properties are replaced by empty ones; authors and
initials of comments and tracked changes (``w:author``, ``w:initials``), the people and comment-
author lists of Word, Excel and PowerPoint are blanked; ``w:rsid*`` editing-session ids go; JPEG
and PNG pictures inside lose their metadata as photos do. OpenDocument: ``meta.xml`` is emptied and the
``dc:creator``/``dc:date`` of annotations and tracked changes are blanked. The text, tables,
slides and pictures themselves are untouched. Every zip is inflated with a byte budget first, so
a zip bomb costs the budget and no more.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib

from models.reporting.cleaning.errors import CleaningFailed
from models.reporting.cleaning.images import clean_image

MAX_INFLATED_BYTES = 100 * 1024 * 1024
MAX_ZIP_ENTRIES = 2_000
_CHUNK = 1024 * 1024
_MAX_VALUE = 200
_PDF_INFO = {"/Author": "author", "/Creator": "software", "/Producer": "producer", "/CreationDate": "created",
             "/ModDate": "modified", "/Title": "title", "/Subject": "subject", "/Keywords": "keywords"}

_PDF_MARKUP = {"/Text", "/FreeText", "/Highlight", "/Underline", "/StrikeOut", "/Squiggly", "/Ink", "/Stamp",
               "/Line", "/Square", "/Circle", "/Polygon", "/PolyLine", "/Caret", "/FileAttachment", "/Sound",
               "/Redact"}
_CORE = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<cp:coreProperties xmlns:cp='
         b'"http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc='
         b'"http://purl.org/dc/elements/1.1/"/>')
_APP = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Properties xmlns='
        b'"http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"/>')
_CUSTOM = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Properties xmlns='
           b'"http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"/>')
_ODF_META = (b'<?xml version="1.0" encoding="UTF-8"?>\n<office:document-meta xmlns:office='
             b'"urn:oasis:names:tc:opendocument:xmlns:office:1.0" office:version="1.2"><office:meta/>'
             b'</office:document-meta>')
_REPLACED = {"docProps/core.xml": _CORE, "docProps/app.xml": _APP, "docProps/custom.xml": _CUSTOM,
             "meta.xml": _ODF_META}
# Attributes and elements that name a person in the document's own XML.
_AUTHOR_ATTRS = re.compile(rb'\b((?:\w+:)?(?:author|initials|providerId|userId|displayName))="([^"]*)"')
_PEOPLE_NAMES = re.compile(rb'\b(name)="([^"]*)"')  # only in the lists of people below
_PEOPLE_LISTS = re.compile(r"^(word/people|xl/persons/person|ppt/commentAuthors|ppt/authors)\.xml$")
_RSID = re.compile(rb'\s(?:w:rsid\w*)="[^"]*"')  # editing-session ids tie versions to one machine
_PERSON_TEXT = re.compile(rb"<(dc:creator|x:author|author|p:name)>[^<]*</\1>")
_PERSON_PARTS = re.compile(r"^(word/(people|comments\w*|document|footnotes|endnotes|header\d*|footer\d*)\.xml|"
                           r"xl/(comments\d*|persons/person|threadedComments/\w+|worksheets/sheet\d+)\.xml|"
                           r"ppt/(commentAuthors|authors|comments/\w+)\.xml|content\.xml|styles\.xml)$")
_ODF_STAMP = re.compile(rb"<dc:(creator|date)>[^<]*</dc:\1>")
_XML_VALUE = re.compile(rb"<(?:dc|cp|dcterms|meta):([\w-]+)[^>]*>([^<]{1,200})<")
_APP_VALUE = re.compile(rb"<(Company|Manager|Application|Template|LastAuthor)>([^<]{1,200})<")


def clean_pdf(data: bytes) -> tuple[bytes, dict[str, str]]:
    """Write the PDF anew without its information dictionary and XMP; return what was removed."""
    import pikepdf  # the child alone parses PDFs: the parent never loads qpdf

    removed: dict[str, str] = {}
    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            info = pdf.trailer.get("/Info")
            if info is not None:
                for key, value in info.items():
                    removed[_PDF_INFO.get(key, f"PDF {key[1:]}")] = str(value)[:_MAX_VALUE]
                del pdf.trailer["/Info"]
            for obj in pdf.objects:
                if isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
                    for key in ("/Metadata", "/PieceInfo"):
                        if key in obj:
                            removed.setdefault(f"PDF XMP {key[1:]}", _xmp_summary(obj[key]))
                            del obj[key]
                    # A comment's /T is its author (a form field's /T is its name, and stays).
                    if obj.get("/Subtype") in _PDF_MARKUP and "/T" in obj:
                        removed.setdefault("author", str(obj["/T"])[:_MAX_VALUE])
                        del obj["/T"]
            out = io.BytesIO()
            pdf.save(out, deterministic_id=True, fix_metadata_version=False)
    except pikepdf.PasswordError as exc:
        raise CleaningFailed("encrypted") from exc
    except (pikepdf.PdfError, ValueError, TypeError, KeyError, RuntimeError) as exc:
        raise CleaningFailed("unreadable") from exc
    return out.getvalue(), removed


def _xmp_summary(stream: object) -> str:
    try:
        raw = stream.read_bytes()  # type: ignore[attr-defined]
    except Exception:  # a broken stream is still removed; only its summary is lost
        return "?"
    values = [f"{k.decode()}: {v.decode('utf-8', 'replace').strip()}" for k, v in _XML_VALUE.findall(raw)
              if v.strip()]
    return "; ".join(values)[:_MAX_VALUE] or f"{len(raw)} bytes"


def _inflate(data: bytes) -> list[tuple[zipfile.ZipInfo, bytes]]:
    budget = MAX_INFLATED_BYTES
    parts: list[tuple[zipfile.ZipInfo, bytes]] = []
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
            if len(entries) > MAX_ZIP_ENTRIES:
                raise CleaningFailed("zip_bomb")
            for entry in entries:
                chunks = []
                with archive.open(entry) as part:
                    while chunk := part.read(_CHUNK):
                        budget -= len(chunk)
                        if budget < 0:
                            raise CleaningFailed("zip_bomb")
                        chunks.append(chunk)
                parts.append((entry, b"".join(chunks)))
    except RuntimeError as exc:  # an encrypted part
        raise CleaningFailed("encrypted") from exc
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError, EOFError,
            ValueError, zlib.error) as exc:
        raise CleaningFailed("unreadable") from exc
    return parts


def clean_office(data: bytes, odf: bool) -> tuple[bytes, dict[str, str]]:
    """Rewrite an Office Open XML or OpenDocument zip without its properties and authors."""
    parts = _inflate(data)
    removed: dict[str, str] = {}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for entry, content in parts:
            name = entry.filename
            if name in _REPLACED and (odf == (name == "meta.xml")):
                _note_properties(content, removed)
                content = _REPLACED[name]
            elif _PERSON_PARTS.match(name):
                content = _blank_people(name, content, removed, odf)
            elif picture := _picture_type(content):
                content, found = clean_image(content, picture)
                removed.update({f"{name} {k}": v for k, v in found.items()})
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            # ODF's "mimetype" stays first and stored; everything else is deflated.
            info.compress_type = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, content)
    return out.getvalue(), removed


def _picture_type(content: bytes) -> str | None:
    """A picture inside a document, by its first bytes: it is cleaned as a photo is."""
    if content[:3] == b"\xff\xd8\xff":
        return "image/jpeg"
    return "image/png" if content[:8] == b"\x89PNG\r\n\x1a\n" else None


def _note_properties(content: bytes, removed: dict[str, str]) -> None:
    names = {b"creator": "author", b"lastModifiedBy": "modified_by", b"initial-creator": "author",
             b"created": "created", b"creation-date": "created", b"modified": "modified", b"date": "modified",
             b"title": "title", b"subject": "subject", b"description": "comment", b"keywords": "keywords",
             b"generator": "software"}
    for key, value in [*_XML_VALUE.findall(content), *_APP_VALUE.findall(content)]:
        text = value.decode("utf-8", "replace").strip()
        if text:
            label = {b"Application": "software", b"LastAuthor": "modified_by"}.get(key) or names.get(key)
            removed.setdefault(label or f"property {key.decode('ascii', 'replace')}", text)
    for prop, value in re.findall(rb'<property [^>]*name="([^"]{1,80})"[^>]*>\s*<[^>]+>([^<]{1,200})<', content):
        removed[f"property {prop.decode('utf-8', 'replace')}"] = value.decode("utf-8", "replace")


def _blank_people(name: str, content: bytes, removed: dict[str, str], odf: bool) -> bytes:
    attrs = [_AUTHOR_ATTRS, _PEOPLE_NAMES] if _PEOPLE_LISTS.match(name) else [_AUTHOR_ATTRS]
    for pattern in attrs:
        for match in pattern.finditer(content):
            if match.group(2).strip():
                removed.setdefault("author", match.group(2).decode("utf-8", "replace")[:_MAX_VALUE])
        content = pattern.sub(lambda m: m.group(1) + b'=""', content)
    content = _RSID.sub(b"", content)
    pattern = _ODF_STAMP if odf else _PERSON_TEXT
    for match in pattern.finditer(content):
        text = re.sub(rb"<[^>]*>", b"", match.group(0)).decode("utf-8", "replace").strip()
        if text and b"date" not in match.group(1):
            removed.setdefault("author", text[:_MAX_VALUE])
    return pattern.sub(lambda m: b"<" + m.group(1) + b"></" + m.group(1) + b">", content)
