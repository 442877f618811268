"""Evidence files: sniffed from their bytes, images re-encoded without metadata (R7).

The type comes from the content, never from the file name. Images are decoded and re-encoded
from pixels alone, which drops EXIF (GPS, camera serial, times), XMP, IPTC and text chunks; what
was removed is returned so intake can seal it into the vault with the identity, never into the
case store.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass, field

import filetype
from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

from models.store.config import Config
from models.store.errors import InvalidInput
from models.store.i18n import N_

Image.MAX_IMAGE_PIXELS = 60_000_000  # refuse decompression bombs early
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


def strip_image(data: bytes, mime: str) -> tuple[bytes, dict[str, str]]:
    """Re-encode an image from its pixels only; return the new bytes and what was removed."""
    try:
        with Image.open(io.BytesIO(data)) as img:
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
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise InvalidInput({"files": N_("An image could not be read. Please send another file.")}) from exc
    out = io.BytesIO()
    clean.save(out, format=_IMAGE_SAVE[mime], **({"quality": 92} if mime == "image/jpeg" else {}))
    return out.getvalue(), removed


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
    name = (upload.filename or "file").replace("/", "_").replace("\\", "_")[-120:]
    return CleanFile(name, mime, ALLOWED[mime], data, removed)


def check_uploads(uploads: list[Upload], config: Config) -> list[CleanFile]:
    if len(uploads) > config.max_files:
        raise InvalidInput({"files": N_("At most %(n)s files per submission.")}, n=config.max_files)
    return [inspect_upload(u, config) for u in uploads]
