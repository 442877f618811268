"""The Telegram bot (python-telegram-bot): reporter conversations, status, replies."""

import os

# Opt in to python-telegram-bot's coming time type (RetryAfter.retry_after as a timedelta) now:
# otherwise building a RetryAfter, which the receipt hand-over handles, emits a deprecation warning.
os.environ.setdefault("PTB_TIMEDELTA", "1")
