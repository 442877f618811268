"""Named errors of the workflow. Messages are English msgids; front ends translate them."""

from __future__ import annotations

from models.store.i18n import N_


class ClueGuardError(Exception):
    """Base class; ``message`` is a translatable msgid, ``params`` fill its placeholders."""

    message = N_("Something went wrong.")
    # Why a refused act was refused, for the audit trail (``models.staff.acting``); else the class name.
    audit_reason: str | None = None
    # True once the refusal is in the trail (``acting.perform`` audits its own), so no wrapper records it twice.
    audited: bool = False

    def __init__(self, message: str | None = None, **params: object) -> None:
        if message is not None:
            self.message = message
        self.params = params
        super().__init__(self.message)


class InvalidInput(ClueGuardError):
    """Bad input; ``errors`` maps a field name to its msgid, ``field_params`` (where given) a field
    name to the placeholders of its own message (a field's length and limit)."""

    message = N_("Please correct the marked fields.")

    def __init__(self, errors: dict[str, str], message: str | None = None, *,
                 field_params: dict[str, dict[str, object]] | None = None, **params: object):
        super().__init__(message, **params)
        self.errors = errors
        self.field_params = field_params or {}


class NotAllowed(ClueGuardError):
    message = N_("You are not allowed to do this.")


class WrongState(ClueGuardError):
    message = N_("This cannot be done in the case's current state.")


class NotFound(ClueGuardError):
    message = N_("Not found.")


class ReceiptNotFound(ClueGuardError):
    """Same message whichever way a receipt is wrong (malformed, unknown, destroyed)."""

    message = N_("No report matches this receipt code. Check the 16 digits and try again.")


class ServiceUnavailable(ClueGuardError):
    message = N_("This service is not available right now.")
