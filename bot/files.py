"""Evidence files sent to the bot: photos, documents, voice, audio, video (R7).

Sizes are checked from Telegram's metadata before anything is downloaded; the bytes are then
checked by ``models.files`` (the same rules as the web form) and passed to intake as ``Upload``s.
"""

from __future__ import annotations

from telegram import Message
from telegram.error import BadRequest
from telegram.ext import filters

from models.reporting.files import Upload, inspect_upload
from models.store.config import Config
from models.store.errors import InvalidInput
from models.store.i18n import N_

ATTACHMENTS = (filters.PHOTO | filters.Document.ALL | filters.VOICE | filters.AUDIO | filters.VIDEO
               | filters.VIDEO_NOTE)


def _attachment(message: Message) -> tuple[str, int | None, str] | None:
    """(file id, size Telegram reports, file name) of the message's file, if any."""
    if message.photo:
        photo = message.photo[-1]  # the largest size
        return photo.file_id, photo.file_size, "photo.jpg"
    for media, default in ((message.document, "document"), (message.audio, "audio"),
                           (message.video, "video.mp4"), (message.voice, "voice.ogg"),
                           (message.video_note, "video_note.mp4")):
        if media is not None:
            return media.file_id, media.file_size, getattr(media, "file_name", None) or default
    return None


def has_attachment(message: Message | None) -> bool:
    return message is not None and _attachment(message) is not None


async def fetch_upload(message: Message, config: Config) -> Upload:
    """Download the message's file and check it as the web form would; InvalidInput if refused."""
    found = _attachment(message)
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
    inspect_upload(upload, config)  # refuse now, while the reporter can still send another file
    return upload
