"""The process the crash tests kill: it does one acknowledged act, then dies by SIGKILL at a chosen
point inside the next one (``python -m tests.crash.child SCENARIO JSON``)."""

from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path
from typing import Any

import vault
from models.audit import trail
from models.cases import workflow
from models.protection import unseal
from models.reporting import intake
from models.store.config import Config
from models.store.runtime import open_runtime
from tests.conftest import submission


def die() -> None:
    sys.stdout.flush()
    os.kill(os.getpid(), signal.SIGKILL)


def kill_at_event(name: str) -> None:
    """Die inside the act's transaction, when it records its audit event (before the commit)."""
    real = trail.record

    def record(session: Any, actor: str, event: str, *args: Any, **kwargs: Any) -> Any:
        if event == name:
            session.flush()  # the act's rows are written to the database, not yet committed
            die()
        return real(session, actor, event, *args, **kwargs)

    trail.record = record  # type: ignore[assignment]


def kill_after(module: Any, name: str) -> None:
    """Die right after ``module.name`` returns (between two stores' commits)."""
    real = getattr(module, name)

    def wrapped(*args: Any, **kwargs: Any) -> Any:
        result = real(*args, **kwargs)
        die()
        return result

    setattr(module, name, wrapped)


def main(scenario: str, raw: str) -> None:
    args = json.loads(raw)
    config = Config(data_dir=Path(args["data_dir"]), database_url=args["database_url"],
                    vault_url=args["vault_url"], argon2=vault.CHEAP)
    rt = open_runtime(config, staff_side=True)
    # Acknowledged before the crash: it must be there afterwards.
    done = intake.submit_report(rt, submission(description="ACKED"))
    print(json.dumps({"registry_no": done.registry_no, "code": done.code}), flush=True)
    identity = {"name": "某人", "phone": "13900000000"}
    if scenario == "intake_between_stores":
        kill_after(intake, "store_identity")
        intake.submit_report(rt, submission(identity=identity))
    elif scenario == "intake_in_case_store":
        kill_at_event("report.submitted")
        intake.submit_report(rt, submission(identity=identity))
    elif scenario == "follow_up":
        kill_at_event("report.follow_up")
        intake.add_follow_up(rt, args["code"], "补充材料")
    elif scenario == "transition":
        kill_at_event("clue.registered")
        workflow.register_clue(rt, args["staff_id"], args["report_id"], args["unit_id"], args["staff_id"])
    elif scenario == "unseal_in_audit":
        kill_at_event("unseal.approval_given")
        unseal.approve_unseal(rt, args["keeper_id"], args["request_id"], args["passphrase"], "同意")
    elif scenario == "unseal_between_stores":
        kill_after(unseal, "audit_request")
        unseal.approve_unseal(rt, args["keeper_id"], args["request_id"], args["passphrase"], "同意")
    raise SystemExit("the crash point was never reached")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
