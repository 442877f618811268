"""R7: every accepted kind leaves the cleaner with no canary that exiftool (or the bytes) can find,
with every frame kept, never larger than sent, and what was removed reported for the vault."""

from __future__ import annotations

import io
import time

import pytest
from PIL import Image

from models.reporting.cleaning.errors import CleaningFailed
from models.reporting.cleaning.images import clean_image
from models.reporting.cleaning.sandbox import Limits, bubblewrap, run_cleaner
from models.reporting.files import ALLOWED

from . import samples
from .samples import CANARIES, SAMPLES, exiftool, inflated, sample


def _leaks(data: bytes) -> list[bytes]:
    seen = exiftool(data).encode() + inflated(data) + data
    return [c for c in CANARIES if c in seen]


@pytest.mark.parametrize("kind", sorted(SAMPLES))
def test_no_canary_survives_cleaning(kind: str) -> None:
    mime, _ = SAMPLES[kind]
    data = sample(kind)
    assert mime in ALLOWED
    assert _leaks(data), "the sample must carry the canary, or the test proves nothing"
    cleaned, removed = run_cleaner(data, mime)
    assert _leaks(cleaned) == []
    assert removed, "what was removed is reported, to be sealed beside the identity"
    assert len(cleaned) <= len(data)


@pytest.mark.parametrize("kind", ["jpeg", "png", "webp", "mp4", "mov", "m4a", "mp3", "pdf", "docx"])
def test_what_was_removed_names_position_device_and_author(kind: str) -> None:
    mime, _ = SAMPLES[kind]
    _, removed = run_cleaner(sample(kind), mime)
    if kind in {"jpeg", "png", "webp", "mp4", "mov", "m4a", "mp3"}:
        assert removed["gps"] == "31.230400, 121.473700"
    if kind in {"jpeg", "mp4", "mov", "mp3"}:
        assert removed["make"] == "CanaryPhone" and removed["model"] == "CANARY-X1"
    assert "CANARY" in removed.get("author", "")  # EXIF holds ASCII only: the Chinese part is lost there


def test_a_jpeg_keeps_its_scans_byte_for_byte_and_its_orientation() -> None:
    data = samples.jpeg(orientation=6, size=(640, 480))
    cleaned, removed = clean_image(data, "image/jpeg")
    sos = data.index(b"\xff\xda")
    assert cleaned.endswith(data[sos:data.rindex(b"\xff\xd9") + 2]), "the compressed picture is untouched"
    with Image.open(io.BytesIO(cleaned)) as img:
        assert dict(img.getexif()) == {0x0112: 6}, "orientation alone is kept"
        assert img.size == (640, 480)
    assert removed["taken_at"] == "2026-05-01T10:00:00"


def test_an_upright_jpeg_keeps_no_exif_at_all() -> None:
    cleaned, _ = clean_image(samples.jpeg(orientation=1), "image/jpeg")
    assert b"Exif" not in cleaned
    assert Image.open(io.BytesIO(cleaned)).getexif() == {}


def test_a_gif_of_ten_thousand_frames_keeps_every_frame() -> None:
    data = samples.gif(frames=10_000)
    started = time.perf_counter()
    cleaned, _ = run_cleaner(data, "image/gif")
    assert time.perf_counter() - started < 5
    assert cleaned[:6] == b"GIF89a" and len(cleaned) <= len(data)
    with Image.open(io.BytesIO(cleaned)) as img:
        assert img.n_frames == 10_000


@pytest.mark.parametrize("kind", ["gif", "webp"])
def test_animations_keep_their_frames(kind: str) -> None:
    mime, _ = SAMPLES[kind]
    data = sample(kind)
    cleaned, _ = run_cleaner(data, mime)
    with Image.open(io.BytesIO(data)) as before, Image.open(io.BytesIO(cleaned)) as after:
        assert after.n_frames == before.n_frames > 1
        assert after.format == before.format


def test_video_frames_and_samples_are_copied_not_re_encoded() -> None:
    data = samples.media("mp4")
    cleaned, _ = run_cleaner(data, "video/mp4")
    # The encoded streams sit in one mdat box; -c copy keeps them byte for byte.
    mdat = data[data.index(b"mdat") + 4:]
    assert mdat[:4096] in cleaned


@pytest.mark.parametrize(("data", "mime", "reason"), [
    (b"\xff\xd8\xff\xe0garbage", "image/jpeg", "unreadable"),
    (b"GIF89a\x01\x00\x01\x00\x00\x00\x00\x2c", "image/gif", "unreadable"),
    (b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", "application/pdf", "unreadable"),
    (b"PK\x03\x04 not a zip", "application/vnd.oasis.opendocument.text", "unreadable"),
    (b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 100, "video/mp4", "unreadable"),
    (b"hello", "application/x-unknown", "unsupported"),
])
def test_a_file_that_cannot_be_cleaned_is_refused_with_a_reason(data: bytes, mime: str, reason: str) -> None:
    with pytest.raises(CleaningFailed) as refused:
        run_cleaner(data, mime)
    assert refused.value.reason == reason


def test_a_cleaner_past_its_time_is_killed_and_the_file_refused() -> None:
    started = time.perf_counter()
    with pytest.raises(CleaningFailed) as refused:
        run_cleaner(samples.media("mp4"), "video/mp4", Limits(wall_seconds=0.05))
    assert refused.value.reason == "limit"
    assert time.perf_counter() - started < 2


def test_a_cleaner_over_its_memory_is_refused() -> None:
    with pytest.raises(CleaningFailed) as refused:
        run_cleaner(sample("jpeg"), "image/jpeg", Limits(memory_bytes=16 * 2**20))
    assert refused.value.reason in {"limit", "unreadable"}


def test_the_child_sees_no_network_and_not_the_data_directory(tmp_path) -> None:  # type: ignore[no-untyped-def]
    if not bubblewrap():
        pytest.skip("bubblewrap is not installed or cannot make namespaces here")
    import subprocess

    secret = tmp_path / "intake.key"
    secret.write_text("secret")
    probe = subprocess.run([*bubblewrap(), "/bin/sh", "-c", f"cat {secret}; cat /proc/net/dev | wc -l"],
                           capture_output=True, text=True, check=False)
    assert "secret" not in probe.stdout
    assert probe.stdout.split()[-1] == "3", "only the loopback interface (two header lines and lo)"
