"""A demo installation: one account per role, a 2-of-3 custodian vault and a few sample clues.

Everything secret it creates is printed and kept in ``demo-credentials.json`` in the data
directory, so a second run can reuse the directory. That is exactly what a real installation
must never do; the demo says so loudly.
"""

from __future__ import annotations

import json
import os
import secrets
import string
from dataclasses import asdict, dataclass, field
from pathlib import Path

from sqlalchemy import select

from models.administration.units import add_unit
from models.cases import casework
from models.cases.transfer import add_authority
from models.confidentiality.offices import set_intake_office
from models.datadir.setup import init_site
from models.protection.custodians import run_ceremony
from models.reporting import intake
from models.reporting.intake import Person, Submission
from models.staff.accounts import add_staff
from models.staff.tables import Staff
from models.store.config import Config
from models.store.runtime import Runtime, open_runtime

CREDENTIALS_FILE = "demo-credentials.json"
UNIT = "第一科（演示）"

# username, role, unit, display name
ACCOUNTS: list[tuple[str, str, str | None, str]] = [
    ("clerk", "intake", UNIT, "王芳（受理）"),
    ("head", "unit_head", UNIT, "李强（负责人）"),
    ("protector", "protection_officer", UNIT, "赵敏（保护专员）"),
    ("keeper1", "custodian", None, "保管人一"),
    ("keeper2", "custodian", None, "保管人二"),
    ("keeper3", "custodian", None, "保管人三"),
    ("auditor", "auditor", None, "纪检审计"),
    ("admin", "admin", None, "系统管理员"),
]
CUSTODIANS = ("keeper1", "keeper2", "keeper3")
# The list units are chosen from, and the receiving authorities of transfers (R16): a fresh demo
# can carry a clue from intake to feedback without anyone typing a unit or an authority.
UNITS = (UNIT, "第二科（演示）")
AUTHORITIES = (("某市公安局扫黑办（演示）", "police"), ("某市纪委监委（演示）", "discipline"),
               ("某市人民检察院（演示）", "procuratorate"))
THRESHOLD = 2


@dataclass
class DemoAccount:
    username: str
    role: str
    password: str
    totp_secret: str


@dataclass
class DemoClue:
    registry_no: str
    receipt: str
    summary: str


@dataclass
class DemoCredentials:
    accounts: list[DemoAccount] = field(default_factory=list)
    passphrases: dict[str, str] = field(default_factory=dict)
    clues: list[DemoClue] = field(default_factory=list)
    reused: bool = False


def config_with_data_dir(config: Config, data_dir: Path) -> Config:
    """``config`` moved to another data directory; default SQLite URLs follow it, set URLs stay."""
    data_dir = data_dir.resolve()
    changes: dict[str, object] = {"data_dir": data_dir}
    if config.database_url == f"sqlite:///{config.data_dir / 'case.db'}":
        changes["database_url"] = f"sqlite:///{data_dir / 'case.db'}"
    if config.vault_url == f"sqlite:///{config.data_dir / 'vault.db'}":
        changes["vault_url"] = f"sqlite:///{data_dir / 'vault.db'}"
    return config.with_changes(**changes)


def _load(path: Path) -> DemoCredentials:
    raw = json.loads(path.read_text(encoding="utf-8"))
    return DemoCredentials(
        accounts=[DemoAccount(**a) for a in raw["accounts"]],
        passphrases=dict(raw["passphrases"]),
        clues=[DemoClue(**c) for c in raw["clues"]],
        reused=True,
    )


def _save(path: Path, creds: DemoCredentials) -> None:
    data = asdict(creds)
    data.pop("reused")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False, indent=2)


def _secret_words(n: int) -> str:
    """Letters and digits only, so the printed secret survives copying from a terminal."""
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(n))


def _create_accounts(rt: Runtime) -> list[DemoAccount]:
    accounts = []
    for username, role, unit, display in ACCOUNTS:
        password = _secret_words(12)
        made = add_staff(rt, username, role, unit, password, display, actor="demo")
        accounts.append(DemoAccount(username, role, password, made.totp_secret))
    return accounts


def _sample_clues(rt: Runtime, clerk_id: int) -> list[DemoClue]:
    """Three realistic clues: anonymous on the web, confidential by Telegram, recorded by phone."""
    usury = intake.submit_report(rt, Submission(
        category="usury",
        description=("今年八月我向“快易借”借了两万元，合同写月息2%，实际每周要还三千。还不上以后，"
                     "四五个人半夜到我家砸门，在门上喷漆，还给我父母和单位同事打电话辱骂。"),
        notice_accepted=True, location="某市某区幸福路某小区", occurred_on="2026年8月至今",
        reported=[Person(name="“快易借”公司", place="某区商业街二楼"),
                  Person(name="刘某（外号“刀疤”）", position="催收负责人")],
    ))
    sand = intake.submit_report(rt, Submission(
        category="industry_bully",
        description=("河道上游有人夜里用三条船非法采砂，外地运砂车必须给他们交“过路费”才能过村口。"
                     "有村民举报过，第二天家里的鱼塘就被人投了药。"),
        notice_accepted=True, location="某县某镇河段", occurred_on="2026年9月起，每晚",
        reported=[Person(name="陈某某", unit="某砂石场", position="老板", place="某镇")],
        shielding=[Person(name="周某", unit="某镇水利站", position="站长")],
        identity={"name": "（演示）张三", "phone": "13800000000", "contact": "晚上七点后可联系"},
        channel="telegram",
    ))
    market = intake.submit_report(rt, Submission(
        category="market_bully",
        description="来电称：农贸市场的摊主每月被迫向一伙人交500元“管理费”，不交就被掀摊。",
        notice_accepted=True, location="某县农贸市场", occurred_on="2026年10月",
        reported=[Person(name="外号“黑皮”的男子", place="农贸市场东门")],
        channel="phone", source="phone",
    ), actor="clerk")
    casework.reply_to_reporter(rt, clerk_id, usury.report_id,
                               "您好，线索已收到。请问催收人员是否留下了电话号码或车牌号？有的话可以补充给我们。")
    intake.add_follow_up(rt, usury.code, "有一辆白色面包车，车牌尾号是 386。")
    return [
        DemoClue(usury.registry_no, usury.code, "anonymous, web form, a staff reply and an answer"),
        DemoClue(sand.registry_no, sand.code, "confidential (identity sealed), Telegram"),
        DemoClue(market.registry_no, market.code, "recorded by the clerk from a telephone call"),
    ]


def set_up_demo(config: Config) -> DemoCredentials:
    """Initialise the data directory and fill it once; later runs reuse what is there."""
    init_site(config)
    path = config.data_dir / CREDENTIALS_FILE
    if path.exists():
        return _load(path)
    rt = open_runtime(config, staff_side=True)
    try:
        with rt.stores.case() as session:
            if session.scalar(select(Staff.id).limit(1)) is not None:
                raise RuntimeError(f"{config.data_dir} holds accounts but no {CREDENTIALS_FILE}: "
                                   "it is not a demo directory (or an earlier run failed); "
                                   "choose an empty directory")
        for name in UNITS:
            add_unit(rt, None, name)
        # The demo unit is the intake office: new clues belong to it until registered (R20). Flagged
        # after the units are listed: set_intake_office creates a missing unit, and add_unit refuses a
        # name already there.
        set_intake_office(rt, UNIT, actor="demo")
        creds = DemoCredentials(accounts=_create_accounts(rt))
        with rt.stores.case() as session:
            head_id = session.scalar(select(Staff.id).where(Staff.username == "head"))
        for name, kind in AUTHORITIES:
            add_authority(rt, int(head_id or 0), name, kind)
        creds.passphrases = {name: _secret_words(20) for name in CUSTODIANS}
        run_ceremony(rt, THRESHOLD, list(creds.passphrases.items()), actor="demo")
        clerk = next(a for a in creds.accounts if a.username == "clerk")
        with rt.stores.case() as session:
            clerk_id = session.scalar(select(Staff.id).where(Staff.username == clerk.username))
        creds.clues = _sample_clues(rt, int(clerk_id or 0))
        _save(path, creds)
        return creds
    finally:
        rt.stores.dispose()
