"""Evidence files sent to the bot: photos, documents, voice, audio, video (R7).

Sizes are checked from Telegram's metadata before anything is downloaded; the bytes are then
checked by ``models.reporting.files`` (the same rules as the web form) and passed to intake as
``Upload``s. A file's caption is kept with it: the file is named (photo-2.jpg) and the caption
goes into the description under that name, so staff read them together.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from telegram import Message, Update
from telegram.error import BadRequest
from telegram.ext import filters

from bot.common import Context, draft, error_text, runtime, say, say_text, t
from models.reporting.files import Upload, inspect_upload
from models.store.config import Config
from models.store.errors import InvalidInput
from models.store.i18n import N_

ATTACHMENTS = (filters.PHOTO | filters.Document.ALL | filters.VOICE | filters.AUDIO | filters.VIDEO
               | filters.VIDEO_NOTE)


def _attachment(message: Message, number: int) -> tuple[str, int | None, str] | None:
    """(file id, size Telegram reports, file name) of the message's file, if any."""
    if message.photo:
        photo = message.photo[-1]  # the largest size
        return photo.file_id, photo.file_size, f"photo-{number}.jpg"
    for media, default in ((message.document, f"document-{number}"), (message.audio, f"audio-{number}"),
                           (message.video, f"video-{number}.mp4"), (message.voice, f"voice-{number}.ogg"),
                           (message.video_note, f"video_note-{number}.mp4")):
        if media is not None:
            return media.file_id, media.file_size, getattr(media, "file_name", None) or default
    return None


def has_attachment(message: Message | None) -> bool:
    return message is not None and _attachment(message, 0) is not None


async def fetch_upload(message: Message, config: Config, number: int = 1) -> Upload:
    """Download the message's file and check it as the web form would; InvalidInput if refused."""
    found = _attachment(message, number)
    if found is None:
        raise InvalidInput({"files": N_("This message has no file.")})
    file_id, size, name = found
    too_large = InvalidInput({"files": N_("A file is larger than %(mb)s MB.")}, mb=config.max_file_bytes // 2**20)
    if size is not None and size > config.max_file_bytes:
        raise too_large
    try:
        tg_file = await message.get_bot().get_file(file_id)
        data = bytes(await tg_file.download_as_bytearray())
    except BadRequest as exc:  # Telegram refuses getFile beyond its own limit ("file is too big")
        raise too_large from exc
    if len(data) > config.max_file_bytes:
        raise too_large
    upload = Upload(name, data)
    # Refuse now, while the reporter can still send another file; cleaning runs in a child process.
    await asyncio.to_thread(inspect_upload, upload, config)
    return upload


async def take_file(update: Update, context: Context, add_description: Callable[[Context, str], bool]) -> bool:
    """Keep the message's file (and its caption) in the draft; say why not if refused."""
    message = update.effective_message
    if message is None:
        return False
    cfg = runtime(context).config
    stored: list[Any] = draft(context).setdefault("files", [])
    if len(stored) >= cfg.max_files:
        await say(update, context, "At most %(n)s files per submission; this one was not added.", n=cfg.max_files)
        return False
    try:
        upload = await fetch_upload(message, cfg, len(stored) + 1)
    except InvalidInput as err:
        await say_text(update, context, error_text(context, err) + "\n" + t(context, "This file was not added."))
        return False
    stored.append(upload)
    caption = (message.caption or "").strip()
    if caption and not add_description(context, t(context, "Caption of %(file)s: %(caption)s",
                                                  file=upload.filename, caption=caption)):
        await say(update, context, "The file was added, but its caption did not fit in the description "
                                   "(at most %(n)s characters in all); send the caption as a shorter message.",
                  n=cfg.max_text_chars)
    return True
