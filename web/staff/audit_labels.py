"""Readable names for audit event names (issue #27 item 3): ``unseal.approval_given`` reads as
"解封申请 · 保管人同意" (English on request). An event is named by its domain and its action; a name
not listed here is shown as it is, so a new event is never hidden.
"""

from __future__ import annotations

from models.cases.workflow import STATE_LABELS
from models.store.i18n import N_, translate

DOMAINS: dict[str, str] = {
    "attachment": N_("Attachment"), "audit": N_("Audit trail"), "authority": N_("Competent authority"),
    "borrow": N_("Borrowing"), "classification": N_("Classification"), "cli": N_("Console"),
    "clue": N_("Clue"), "custodian": N_("Custodian"), "deadline": N_("Deadline"),
    "destruction": N_("Destruction"), "link": N_("Connecting clues (across units)"),
    "escalation": N_("Escalation"), "export": N_("Controlled copy"),
    "meeting": N_("Meeting minutes"), "message": N_("Message"), "notify": N_("Reminders"),
    "officer_key": N_("Protection officer's key"), "protection": N_("Reporter protection"),
    "record_file": N_("Case record file"), "redaction": N_("Redaction"), "report": N_("Report"),
    "reports": N_("Reports"), "signin": N_("Sign-in"), "staff": N_("Staff account"),
    "statistics": N_("Statistics"), "survey": N_("Follow-up visit"), "sync": N_("Synchronisation"),
    "transfer": N_("Transfer"), "unit": N_("Unit"), "unseal": N_("Identity unsealing"),
    "vault": N_("Custodian vault"),
}

# An action whose words are its name ("shares_destroyed" reads "shares destroyed")…
PLAIN_ACTIONS: tuple[str, ...] = (
    N_("succeeded"), N_("failed"), N_("refused"), N_("access refused"), N_("read"), N_("viewed"), N_("verified"),
    N_("exported"), N_("checkpoint refused"), N_("requested"), N_("approved"), N_("denied"), N_("expired"),
    N_("shares destroyed"), N_("registered"), N_("check started"), N_("check note added"), N_("concluded"),
    N_("conclusion approved"), N_("transferred"), N_("feedback recorded"), N_("closed"), N_("archived"), N_("merged"),
    N_("not accepted"), N_("reassigned"), N_("handling deadline set"), N_("records viewed"), N_("added"),
    N_("retired"), N_("returned"), N_("proposed"), N_("executed"), N_("escalated"), N_("decided"),
    N_("decision refused"), N_("copy issued"), N_("copy refused"), N_("recorded"), N_("sent"), N_("ended"),
    N_("subscribed"), N_("unsubscribed"), N_("created"), N_("measure recorded"), N_("marked"), N_("removed"),
    N_("submitted"), N_("searched"), N_("change denied"), N_("change refused"), N_("change requested"),
    N_("deactivated"), N_("deactivation refused"), N_("enrolled"), N_("enrollment failed"), N_("enrollment started"),
    N_("password changed"), N_("password reset"), N_("reactivated"), N_("role changed"), N_("role granted"),
    N_("unit changed"), N_("unlocked"), N_("answered"), N_("acknowledged"), N_("batch applied"), N_("batch formed"),
    N_("peer replaced"), N_("reply received"), N_("status received"), N_("package viewed"), N_("intake office set"),
    N_("custodian added"), N_("custodian retired"), N_("passphrase changed"), N_("passphrase refused"),
    N_("upgrade refused"), N_("upgraded"),
)
# …and those that read otherwise ("approval_given" reads "a custodian approved").
ACTIONS: dict[str, str] = {label.replace(" ", "_"): label for label in PLAIN_ACTIONS} | {
    "act_refused": N_("refused"), "checkpoint": N_("checkpoint signed"), "key_created": N_("signing key created"),
    "approval_given": N_("a custodian approved"), "denial_given": N_("a custodian denied"),
    "identity_viewed": N_("identity opened"), "notice_sent": N_("reporter notified"),
    "notice_withheld": N_("notice to the reporter withheld"),
    "conclusion_returned": N_("returned for further checking"), "read_refused": N_("reading refused"),
    "read_requested": N_("reading requested"), "assigned": N_("officer assigned"),
    "assign_refused": N_("assignment refused"), "risk_set": N_("risk level set"),
    "follow_up": N_("follow-up from the reporter"), "redacted_rendered": N_("redacted copy shown"),
    "resend_ignored": N_("repeated sending ignored"), "status_viewed": N_("status viewed by the reporter"),
    "admin_refused": N_("refused"), "enrollment_issued": N_("enrollment code issued"),
    "pledge_accepted": N_("undertaking accepted"), "redeal_refused": N_("new dealing refused"),
    "redealt": N_("shares dealt anew"), "search_flagged": N_("search flagged (no hit readable)"),
    "overview_viewed": N_("overview viewed"), "borrow_asked": N_("asked to borrow linked clues"),
    "shielding_transfer_proposed": N_("transfer of the shielding part proposed"),
    "shielding_transfer_refused": N_("transfer of the shielding part refused"),
}


def event_label(locale: str, event: str) -> str:
    """``domain.action`` in words; the raw name where either part is unknown."""
    domain, _, action = event.partition(".")
    if domain not in DOMAINS or action not in ACTIONS:
        return event
    return f"{translate(locale, DOMAINS[domain])} · {translate(locale, ACTIONS[action])}"


def detail_text(locale: str, event: str, detail: dict[str, object]) -> str:
    """A verification and a flagged search read as a sentence; other details as labelled values
    (a state change as "state: received → registered"), never raw ``key=value``."""
    if event == "audit.verified" and "intact" in detail:
        if detail["intact"]:
            return translate(locale, N_("The trail was found intact."))
        return translate(locale, N_("The trail was found altered: %(n)s problem(s)."), n=detail.get("problems", 0))
    if event == "link.search_flagged" and "hidden" in detail:
        # The clues themselves follow as links to their trail (audit_trail.html).
        return translate(locale, N_("Every hit lay in %(n)s clue(s) the searcher may not read:"), n=detail["hidden"])
    states = "from_state" in detail and "to_state" in detail
    parts = [translate(locale, N_("state: %(old)s → %(new)s"), old=_value(locale, "state", detail["from_state"]),
                       new=_value(locale, "state", detail["to_state"]))] if states else []
    colon = COLON.get(locale, ": ")
    for key, value in sorted(detail.items()):
        if states and key in ("from_state", "to_state"):
            continue
        label = translate(locale, DETAIL_KEYS[key]) if key in DETAIL_KEYS else key
        parts.append(f"{label}{colon}{_value(locale, key, value)}")
    return SEPARATOR.get(locale, "; ").join(parts)


# The keys the trail's details carry most, in words; a key not named here keeps its name. Values
# stay as recorded (ids, counts), except a state, which reads as its label, and yes or no.
DETAIL_KEYS: dict[str, str] = {
    "act": N_("act"), "approval_needed": N_("needs approval"), "authority": N_("authority (id)"),
    "channel": N_("channel"), "confidential": N_("confidential"), "count": N_("count"),
    "files": N_("files"), "gang_related": N_("gang-related"), "handler": N_("handler (id)"),
    "hits": N_("hits shown"), "reason": N_("reason"), "record": N_("record (id)"),
    "registry_no": N_("registry number"), "role": N_("role"), "source": N_("source"),
    "state": N_("state"), "transfer": N_("to transfer"), "unit": N_("unit (id)"),
}
COLON = {"zh": "：", "en": ": "}
SEPARATOR = {"zh": "；", "en": "; "}


def _value(locale: str, key: str, value: object) -> str:
    if isinstance(value, bool):
        return translate(locale, N_("yes") if value else N_("no"))
    if key in ("state", "from_state", "to_state") and isinstance(value, str) and value in STATE_LABELS:
        return translate(locale, STATE_LABELS[value])
    return str(value)
