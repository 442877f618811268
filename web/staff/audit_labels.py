"""Readable names for audit event names (issue #27 item 3): ``unseal.approval_given`` reads as
"解封申请 · 保管人同意" (English on request). An event is named by its domain and its action; a name
not listed here is shown as it is, so a new event is never hidden.
"""

from __future__ import annotations

from models.store.i18n import N_, translate

DOMAINS: dict[str, str] = {
    "attachment": N_("Attachment"), "audit": N_("Audit trail"), "authority": N_("Competent authority"),
    "borrow": N_("Borrowing"), "classification": N_("Classification"), "cli": N_("Console"),
    "clue": N_("Clue"), "custodian": N_("Custodian"), "deadline": N_("Deadline"),
    "destruction": N_("Destruction"), "escalation": N_("Escalation"), "export": N_("Controlled copy"),
    "meeting": N_("Meeting minutes"), "message": N_("Message"), "notify": N_("Reminders"),
    "officer_key": N_("Protection officer's key"), "protection": N_("Reporter protection"),
    "record_file": N_("Case record file"), "redaction": N_("Redaction"), "report": N_("Report"),
    "reports": N_("Reports"), "signin": N_("Sign-in"), "staff": N_("Staff account"),
    "statistics": N_("Statistics"), "survey": N_("Follow-up visit"), "sync": N_("Synchronisation"),
    "transfer": N_("Transfer"), "unit": N_("Unit"), "unseal": N_("Identity unsealing"),
    "vault": N_("Custodian vault"),
}

ACTIONS: dict[str, str] = {
    "succeeded": N_("succeeded"), "failed": N_("failed"), "refused": N_("refused"),
    "act_refused": N_("refused"), "access_refused": N_("access refused"), "read": N_("read"),
    "viewed": N_("viewed"), "verified": N_("verified"), "exported": N_("exported"),
    "checkpoint": N_("checkpoint signed"), "checkpoint_refused": N_("checkpoint refused"),
    "key_created": N_("signing key created"), "requested": N_("requested"), "approved": N_("approved"),
    "denied": N_("denied"), "expired": N_("expired"), "approval_given": N_("a custodian approved"),
    "denial_given": N_("a custodian denied"), "identity_viewed": N_("identity opened"),
    "notice_sent": N_("reporter notified"), "notice_withheld": N_("notice to the reporter withheld"),
    "shares_destroyed": N_("shares destroyed"), "registered": N_("registered"),
    "check_started": N_("check started"), "check_note_added": N_("check note added"),
    "concluded": N_("concluded"), "conclusion_approved": N_("conclusion approved"),
    "conclusion_returned": N_("returned for further checking"), "transferred": N_("transferred"),
    "feedback_recorded": N_("feedback recorded"), "closed": N_("closed"), "archived": N_("archived"),
    "merged": N_("merged"), "not_accepted": N_("not accepted"), "reassigned": N_("reassigned"),
    "handling_deadline_set": N_("handling deadline set"), "records_viewed": N_("records viewed"),
    "added": N_("added"), "retired": N_("retired"), "returned": N_("returned"),
    "proposed": N_("proposed"), "executed": N_("executed"), "escalated": N_("escalated"),
    "decided": N_("decided"), "decision_refused": N_("decision refused"),
    "copy_issued": N_("copy issued"), "copy_refused": N_("copy refused"), "recorded": N_("recorded"),
    "read_refused": N_("reading refused"), "read_requested": N_("reading requested"), "sent": N_("sent"),
    "ended": N_("ended"), "subscribed": N_("subscribed"), "unsubscribed": N_("unsubscribed"),
    "created": N_("created"), "assigned": N_("officer assigned"), "assign_refused": N_("assignment refused"),
    "measure_recorded": N_("measure recorded"), "risk_set": N_("risk level set"), "marked": N_("marked"),
    "removed": N_("removed"), "follow_up": N_("follow-up from the reporter"),
    "redacted_rendered": N_("redacted copy shown"), "resend_ignored": N_("repeated sending ignored"),
    "status_viewed": N_("status viewed by the reporter"), "submitted": N_("submitted"),
    "searched": N_("searched"), "admin_refused": N_("refused"), "change_denied": N_("change denied"),
    "change_refused": N_("change refused"), "change_requested": N_("change requested"),
    "deactivated": N_("deactivated"), "deactivation_refused": N_("deactivation refused"),
    "enrolled": N_("enrolled"), "enrollment_failed": N_("enrollment failed"),
    "enrollment_issued": N_("enrollment code issued"), "enrollment_started": N_("enrollment started"),
    "password_changed": N_("password changed"), "password_reset": N_("password reset"),
    "pledge_accepted": N_("undertaking accepted"), "reactivated": N_("reactivated"),
    "role_changed": N_("role changed"), "role_granted": N_("role granted"), "unit_changed": N_("unit changed"),
    "unlocked": N_("unlocked"), "answered": N_("answered"), "acknowledged": N_("acknowledged"),
    "batch_applied": N_("batch applied"), "batch_formed": N_("batch formed"),
    "peer_replaced": N_("peer replaced"), "reply_received": N_("reply received"),
    "status_received": N_("status received"), "package_viewed": N_("package viewed"),
    "intake_office_set": N_("intake office set"), "custodian_added": N_("custodian added"),
    "custodian_retired": N_("custodian retired"), "passphrase_changed": N_("passphrase changed"),
    "passphrase_refused": N_("passphrase refused"), "redeal_refused": N_("new dealing refused"),
    "shielding_transfer_proposed": N_("transfer of the shielding part proposed"),
    "shielding_transfer_refused": N_("transfer of the shielding part refused"),
    "redealt": N_("shares dealt anew"), "upgrade_refused": N_("upgrade refused"), "upgraded": N_("upgraded"),
}


def event_label(locale: str, event: str) -> str:
    """``domain.action`` in words; the raw name where either part is unknown."""
    domain, _, action = event.partition(".")
    if domain not in DOMAINS or action not in ACTIONS:
        return event
    return f"{translate(locale, DOMAINS[domain])} · {translate(locale, ACTIONS[action])}"


def detail_text(locale: str, event: str, detail: dict[str, object]) -> str:
    """A verification reads as a sentence; other details stay ``key=value`` (ids, counts)."""
    if event == "audit.verified" and "intact" in detail:
        if detail["intact"]:
            return translate(locale, N_("The trail was found intact."))
        return translate(locale, N_("The trail was found altered: %(n)s problem(s)."), n=detail.get("problems", 0))
    return " ".join(f"{k}={v}" for k, v in sorted(detail.items()))
