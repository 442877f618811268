"""Audio and video: ffmpeg copies the streams into a new container without any metadata.

``-c copy`` keeps every frame and sample as sent (nothing is re-encoded, so it is fast and loses
nothing); ``-map_metadata -1`` and ``-map_chapters -1`` drop container, stream and chapter tags
(QuickTime's ``udta``/``©xyz`` position, ``mdta`` keys with make and model, ID3 frames, Vorbis
comments, Matroska tags); ``-fflags +bitexact`` keeps ffmpeg's own name and times out of the new
file. Only video (not cover pictures) and audio streams are kept: data streams are where phones
and action cameras write a GPS track, attached pictures carry their own EXIF, subtitles free text.
ffprobe reads the tags first, so what was removed can be sealed beside the identity.
"""

from __future__ import annotations

import json
import re
import subprocess  # fixed ffmpeg/ffprobe argument lists, no shell # nosec B404
import tempfile
from pathlib import Path

from models.reporting.cleaning.errors import CleaningFailed

# ffmpeg's muxer for each accepted type: the cleaned file stays the type the reporter sent.
MUXERS = {
    "video/mp4": "mp4", "video/x-m4v": "mp4", "video/quicktime": "mov", "video/3gpp": "3gp", "video/webm": "webm",
    "audio/mp4": "ipod", "audio/x-m4a": "ipod", "audio/mpeg": "mp3", "audio/ogg": "ogg",
    "audio/x-wav": "wav", "audio/amr": "amr",
}
_EXTRA = {"mp3": ["-id3v2_version", "0", "-write_id3v1", "0"]}
# Tags every muxer writes by itself: no person in them, so they are not listed as removed.
_NEUTRAL = {"major_brand", "minor_version", "compatible_brands", "handler_name", "vendor_id", "language",
            "encoder", "duration", "_statistics_tags", "number_of_frames", "number_of_bytes", "bps",
            "duration-eng", "bps-eng", "number_of_frames-eng", "number_of_bytes-eng"}
_NEUTRAL_VALUES = {"VideoHandler", "SoundHandler", "DataHandler", "[0][0][0][0]", "und", "Core Media Video",
                   "Core Media Audio", "Mainconcept Video Media Handler", "Apple Video Media Handler",
                   "Apple Sound Media Handler"}
_KNOWN = {
    "gps": ("com.apple.quicktime.location.iso6709", "location", "location-eng"),
    "make": ("com.apple.quicktime.make", "make", "com.android.manufacturer"),
    "model": ("com.apple.quicktime.model", "model", "com.android.model"),
    "software": ("com.apple.quicktime.software", "software", "encoded_by", "encoder"),
    "author": ("artist", "author", "com.apple.quicktime.author", "album_artist", "composer", "performer"),
    "created": ("com.apple.quicktime.creationdate", "creation_time", "date"),
}
_ISO6709 = re.compile(r"^([+-]\d+(?:\.\d+)?)([+-]\d+(?:\.\d+)?)")
_MAX_VALUE = 200
FFMPEG_SECONDS = 60


def clean_media(data: bytes, mime: str) -> tuple[bytes, dict[str, str]]:
    """Remux ``data`` without metadata; return the new bytes and what was removed."""
    muxer = MUXERS[mime]
    with tempfile.TemporaryDirectory(prefix="clean-") as tmp:
        source, target = Path(tmp) / "in", Path(tmp) / f"out.{muxer}"
        source.write_bytes(data)
        probe = _probe(source)
        streams = probe.get("streams", [])
        if not any(s.get("codec_type") in {"audio", "video"} for s in streams):
            raise CleaningFailed("unreadable")
        maps = ["-map", "0:a?"] if mime.startswith("audio/") else ["-map", "0:V?", "-map", "0:a?"]
        command = ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-i", str(source), *maps,
                   "-map_metadata", "-1", "-map_chapters", "-1", "-c", "copy",
                   "-fflags", "+bitexact", "-flags:v", "+bitexact", "-flags:a", "+bitexact",
                   *_EXTRA.get(muxer, []), "-f", muxer, "-y", str(target)]
        done = subprocess.run(command, capture_output=True, timeout=FFMPEG_SECONDS, check=False)  # noqa: S603 # nosec B603
        if done.returncode != 0 or not target.exists() or target.stat().st_size == 0:
            raise CleaningFailed("unreadable")
        return target.read_bytes(), _removed(probe)


def _probe(source: Path) -> dict[str, list[dict[str, object]]]:
    command = ["ffprobe", "-v", "error", "-of", "json", "-show_format", "-show_streams", "-show_chapters",
               str(source)]
    done = subprocess.run(command, capture_output=True, timeout=FFMPEG_SECONDS, check=False)  # noqa: S603 # nosec B603
    if done.returncode != 0:
        raise CleaningFailed("unreadable")
    try:
        probe = json.loads(done.stdout)
    except ValueError as exc:
        raise CleaningFailed("unreadable") from exc
    return probe if isinstance(probe, dict) else {}


def _tags(block: object) -> dict[str, str]:
    tags = block.get("tags", {}) if isinstance(block, dict) else {}
    return {str(k).lower(): str(v)[:_MAX_VALUE] for k, v in tags.items()} if isinstance(tags, dict) else {}


def _removed(probe: dict[str, list[dict[str, object]]]) -> dict[str, str]:
    removed: dict[str, str] = {}
    found: dict[str, str] = {}
    blocks: list[tuple[str, dict[str, str]]] = [("", _tags(probe.get("format")))]
    for i, stream in enumerate(probe.get("streams", [])):
        blocks.append((f"stream {i} ", _tags(stream)))
        kind = stream.get("codec_type")
        disposition = stream.get("disposition")
        cover = isinstance(disposition, dict) and disposition.get("attached_pic")
        if kind in {"data", "subtitle", "attachment"} or cover:
            removed[f"stream {i}"] = f"{kind} ({stream.get('codec_tag_string') or stream.get('codec_name')})"
    for i, chapter in enumerate(probe.get("chapters", [])):
        blocks.append((f"chapter {i} ", _tags(chapter)))
    for prefix, tags in blocks:
        for name, value in tags.items():
            if name in _NEUTRAL or value in _NEUTRAL_VALUES or not value.strip():
                continue
            found.setdefault(name, value)
            removed[f"tag {prefix}{name}"] = value
    for key, names in _KNOWN.items():
        value = next((found[n] for n in names if n in found), "")
        if not value:
            continue
        if key == "gps":
            match = _ISO6709.match(value)
            if not match:
                continue
            value = f"{float(match.group(1)):.6f}, {float(match.group(2)):.6f}"
        removed[key] = value
    return removed
