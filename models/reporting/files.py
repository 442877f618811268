"""Evidence files: sniffed from their bytes, images re-encoded without metadata (R7).

The type comes from the content, never from the file name. Images are decoded and re-encoded
from pixels alone, which drops EXIF (GPS, camera serial, times), XMP, IPTC and text chunks; what
was removed is returned so intake can seal it into the vault with the identity, never into the
case store.
"""

from __future__ import annotations

import io
import logging
import zipfile
from dataclasses import dataclass, field

import filetype
from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

from models.store.config import Config
from models.store.errors import InvalidInput
from models.store.i18n import N_
from models.store.text import clean_filename

# Decompression bombs: an image is refused by its pixel count, read from its header, before a
# single pixel is decoded. 40 megapixels decode to at most ~160 MB (RGBA) per copy; a bigger
# JPEG is decoded at 1/2, 1/4 or 1/8 scale (DCT scaling), which costs no more than that.
MAX_IMAGE_PIXELS = 40_000_000
# Pillow's own guard, as a second line beyond what a JPEG at 1/8 scale can come down to.
Image.MAX_IMAGE_PIXELS = 64 * MAX_IMAGE_PIXELS
# A Word file is a zip: refused if it inflates to more than this, or holds too many parts. The
# check inflates with a budget (never trusting the sizes the zip declares), so a bomb costs the
# budget and no more.
MAX_INFLATED_BYTES = 100 * 1024 * 1024
MAX_ZIP_ENTRIES = 2_000
_ZIP_CHUNK = 1024 * 1024
TOO_MANY_PIXELS = N_("This image has too many pixels (at most %(mp)s megapixels). Please send a smaller image.")
ZIP_BOMB = N_("This document could not be checked: it unpacks to far more than its size. Please send another file.")
# Pillow's TIFF/EXIF reader logs every tag value at DEBUG (camera serials, GPS, owner names):
# metadata that can identify a reporter must never reach a log line (R8).
logging.getLogger("PIL").setLevel(logging.INFO)

# Accepted content types by kind. Anything else is refused with a clear message.
ALLOWED: dict[str, str] = {
    "image/jpeg": "image",
    "image/png": "image",
    "image/webp": "image",
    "image/gif": "image",
    "audio/mpeg": "audio",
    "audio/mp4": "audio",
    "audio/x-m4a": "audio",
    "audio/ogg": "audio",
    "audio/x-wav": "audio",
    "audio/amr": "audio",
    "video/mp4": "video",
    "video/quicktime": "video",
    "video/webm": "video",
    "video/3gpp": "video",
    "application/pdf": "document",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "document",
    "application/msword": "document",
    "text/plain": "document",
}
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_IMAGE_SAVE = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP", "image/gif": "PNG"}


@dataclass(frozen=True)
class Upload:
    """A file as a front end received it. The name is kept (encrypted) only for staff."""

    filename: str
    data: bytes


@dataclass
class CleanFile:
    filename: str
    mime: str
    kind: str
    data: bytes
    removed_metadata: dict[str, str] = field(default_factory=dict)


def _sniff(data: bytes) -> str | None:
    guess = filetype.guess(data)
    if guess is not None:
        return "audio/mp4" if guess.mime == "video/mp4" and b"M4A " in data[:32] else guess.mime
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return "text/plain" if "\x00" not in text else None


def _exif_summary(img: Image.Image) -> dict[str, str]:
    removed: dict[str, str] = {}
    exif = img.getexif()
    for tag, value in exif.items():
        removed[ExifTags.TAGS.get(tag, str(tag))] = str(value)[:200]
    for ifd_name, ifd_id in (("GPS", ExifTags.IFD.GPSInfo), ("Exif", ExifTags.IFD.Exif)):
        for tag, value in exif.get_ifd(ifd_id).items():
            name = (ExifTags.GPSTAGS if ifd_name == "GPS" else ExifTags.TAGS).get(tag, str(tag))
            removed[f"{ifd_name}.{name}"] = str(value)[:200]
    for key in ("xmp", "XML:com.adobe.xmp", "comment", "icc_profile", "photoshop"):
        if key in img.info:
            removed[key] = f"{len(img.info[key])} bytes"
    for info_key, info_value in img.info.items():
        if isinstance(info_value, str) and info_key not in removed:
            removed[f"text.{info_key}"] = info_value[:200]
    return removed


def _bounded(img: Image.Image) -> None:
    """Refuse an image whose decoded size would be too big, before decoding it (a bomb)."""
    width, height = img.size
    if width * height > MAX_IMAGE_PIXELS and img.format == "JPEG":
        scale = next((s for s in (2, 4, 8) if (width // s) * (height // s) <= MAX_IMAGE_PIXELS), 8)
        img.draft(img.mode, (width // scale, height // scale))
        width, height = img.size
    if width * height > MAX_IMAGE_PIXELS:
        raise InvalidInput({"files": TOO_MANY_PIXELS}, mp=MAX_IMAGE_PIXELS // 1_000_000)


def strip_image(data: bytes, mime: str) -> tuple[bytes, dict[str, str]]:
    """Re-encode an image from its pixels only; return the new bytes and what was removed."""
    try:
        with Image.open(io.BytesIO(data)) as img:
            _bounded(img)
            img.load()
            removed = _exif_summary(img)
            upright = ImageOps.exif_transpose(img)
            mode = upright.mode if upright.mode in {"RGB", "RGBA", "L", "LA", "P"} else "RGB"
            if mime == "image/jpeg" and mode not in {"RGB", "L"}:
                mode = "RGB"
            pixels = upright.convert(mode)
            clean = Image.frombytes(pixels.mode, pixels.size, pixels.tobytes())
            if pixels.mode == "P":
                clean.putpalette(pixels.getpalette() or [])
    except Image.DecompressionBombError as exc:
        raise InvalidInput({"files": TOO_MANY_PIXELS}, mp=MAX_IMAGE_PIXELS // 1_000_000) from exc
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise InvalidInput({"files": N_("An image could not be read. Please send another file.")}) from exc
    out = io.BytesIO()
    clean.save(out, format=_IMAGE_SAVE[mime], **({"quality": 92} if mime == "image/jpeg" else {}))
    return out.getvalue(), removed


def check_zip_document(data: bytes) -> None:
    """Inflate a Word document's parts with a byte budget; refuse a zip bomb or a broken zip."""
    budget = MAX_INFLATED_BYTES
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
            if len(entries) > MAX_ZIP_ENTRIES:
                raise InvalidInput({"files": ZIP_BOMB})
            for entry in entries:
                with archive.open(entry) as part:
                    while chunk := part.read(_ZIP_CHUNK):
                        budget -= len(chunk)
                        if budget < 0:
                            raise InvalidInput({"files": ZIP_BOMB})
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError, EOFError,
            RuntimeError) as exc:
        # RuntimeError: an encrypted part; NotImplementedError: an unknown compression method.
        raise InvalidInput({"files": N_("A file could not be read. Please send another file.")}) from exc


def inspect_upload(upload: Upload, config: Config) -> CleanFile:
    """Check size and type from the content; strip image metadata."""
    if not upload.data:
        raise InvalidInput({"files": N_("A file is empty.")})
    if len(upload.data) > config.max_file_bytes:
        raise InvalidInput({"files": N_("A file is larger than %(mb)s MB.")}, mb=config.max_file_bytes // 2**20)
    mime = _sniff(upload.data)
    if mime is None or mime not in ALLOWED:
        raise InvalidInput(
            {"files": N_("This type of file is not accepted. Send photos, audio, video, PDF, Word or text files.")}
        )
    data, removed = upload.data, dict[str, str]()
    if ALLOWED[mime] == "image":
        data, removed = strip_image(upload.data, mime)
        if mime == "image/gif":
            mime = "image/png"
    elif mime == DOCX:
        check_zip_document(data)
    name = clean_filename(upload.filename)
    return CleanFile(name, mime, ALLOWED[mime], data, removed)


def check_uploads(uploads: list[Upload], config: Config) -> list[CleanFile]:
    if len(uploads) > config.max_files:
        raise InvalidInput({"files": N_("At most %(n)s files per submission.")}, n=config.max_files)
    return [inspect_upload(u, config) for u in uploads]
