"""Issue 16, items 9 and 10: people read as the web form reads them; corrections; captions; early files."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.people import parse_person
from models.cases import casework
from models.reporting.limits import MAX_FIELD, MAX_PEOPLE
from models.reporting.tables import Report
from models.store.errors import InvalidInput
from tests.bot.conftest import Chat
from tests.bot.test_report import photo_bytes, to_state


@pytest.mark.parametrize(("text", "person"), [
    ("外号“黑狗”的男子，负责收过路费", {"name": "外号“黑狗”的男子，负责收过路费"}),
    ("张某、李某", {"name": "张某、李某"}),
    ("张某\n某村委会\n主任\n某村", {"name": "张某", "unit": "某村委会", "position": "主任", "place": "某村"}),
    ("张某 | | 主任", {"name": "张某", "position": "主任"}),
    ("张某｜某公司", {"name": "张某", "unit": "某公司"}),
])
def test_people_are_split_only_on_explicit_separators(text: str, person: dict[str, str]) -> None:
    assert parse_person(text, "reported") == person


@pytest.mark.parametrize("text", ["a|b|c|d|e", "x" * (MAX_FIELD + 1), f"张某|{'y' * (MAX_FIELD + 1)}", "|某公司"])
def test_bad_people_entries_are_refused_not_cut(text: str) -> None:
    with pytest.raises(InvalidInput):
        parse_person(text, "reported")


async def test_a_name_alone_is_followed_by_a_question_for_the_rest(chat: Chat) -> None:
    await to_state(chat, 4)
    answer = await chat.say("外号“黑狗”的男子，负责收过路费")
    assert "unit, position and place of 外号“黑狗”的男子，负责收过路费" in answer[0]
    answer = await chat.say("某砂石场\n打手\n某镇")
    assert answer[0].startswith("Added: 外号“黑狗”的男子，负责收过路费 / 某砂石场 / 打手 / 某镇")
    assert chat.draft()["reported"] == [{"name": "外号“黑狗”的男子，负责收过路费", "unit": "某砂石场",
                                         "position": "打手", "place": "某镇"}]
    await chat.say("王某")
    assert "Added: 王某" in (await chat.press("skip"))[0]
    assert chat.draft()["reported"][-1] == {"name": "王某"}


async def test_overlong_people_are_refused_with_the_limit_and_nothing_kept(chat: Chat) -> None:
    await to_state(chat, 4)
    answer = await chat.say("x" * (MAX_FIELD + 1))
    assert f"at most {MAX_FIELD} characters" in answer[0]
    assert chat.draft().get("reported", []) == []
    answer = await chat.say("a|b|c|d|e")
    assert "at most 4" in answer[0]


async def test_people_beyond_the_limit_are_refused_aloud(chat: Chat) -> None:
    await to_state(chat, 4)
    for i in range(MAX_PEOPLE):
        await chat.say(f"某{i}|某单位")
    answer = await chat.say("多一个|某单位")
    assert f"At most {MAX_PEOPLE} people" in answer[0] and "not added" in answer[0]
    assert len(chat.draft()["reported"]) == MAX_PEOPLE


async def test_summary_lists_parts_and_people_and_one_can_be_removed(chat: Chat, bot_rt, staff_rt,
                                                                     make_staff) -> None:
    await chat.command("report")
    await chat.press("cat:usury")
    await chat.say("第一段，写错了。")
    await chat.say("第二段。")
    await chat.press("done")
    await chat.say("张某|某公司")
    await chat.say("李某|某公司")
    for payload in ("done", "skip", "skip", "skip", "skip", "anon", "notify:no", "accept"):
        await chat.press(payload)
    summary = chat.rec.sent()[-1]["text"]
    assert "part 1: 第一段，写错了。" in summary and "Person reported 2: 李某 / 某公司" in summary
    answer = await chat.press("review")
    assert "What should be removed" in answer[0]
    remove_first = chat.keyboard("rm:description:0")
    await chat.tap(*remove_first)
    # The list changed, so the old Remove buttons (which count by position) are dead.
    assert "no longer active" in (await chat.tap(*remove_first))[0]
    await chat.press("rm:reported:0")
    assert "Please check your report" in (await chat.press("back"))[0]
    assert "第一段" not in chat.rec.sent()[-1]["text"]
    await chat.press("submit")
    with bot_rt.stores.case() as session:
        report_id = session.scalars(select(Report.id)).one()
    clue = casework.open_case(staff_rt, make_staff("clerk", "intake").id, report_id).clue
    assert clue["description"] == "第二段。"
    assert clue["reported"] == [{"name": "李某", "unit": "某公司"}]


async def test_removing_every_part_asks_for_the_description_again(chat: Chat) -> None:
    await to_state(chat, 15)
    await chat.press("review")
    await chat.press("rm:description:0")
    answer = await chat.press("back")
    assert "description is empty" in answer[0] and "Describe what happened" in answer[1]
    await chat.say("新的描述。")
    assert "Please check your report" in (await chat.press("done"))[0]


async def test_a_caption_stays_with_its_file(chat: Chat, bot_rt, staff_rt, make_staff) -> None:
    await to_state(chat, 10)
    await chat.send_file("photo", photo_bytes(), caption="收费站现场，10月3日")
    for payload in ("done", "anon", "notify:no", "accept", "submit"):
        await chat.press(payload)
    with bot_rt.stores.case() as session:
        report_id = session.scalars(select(Report.id)).one()
    case = casework.open_case(staff_rt, make_staff("clerk", "intake").id, report_id)
    assert "photo-1.jpg: 收费站现场，10月3日" in case.clue["description"]
    assert [f.filename for f in case.files] == ["photo-1.jpg"]


async def test_a_file_sent_early_is_kept_for_the_evidence_step(chat: Chat) -> None:
    await to_state(chat, 2)
    answer = await chat.send_file("photo", photo_bytes())
    assert "kept for the evidence step (1 so far)" in answer[0]
    assert "Describe what happened" in answer[-1]
    await to_state_from(chat)
    assert "Files so far: 1" in chat.rec.sent()[-1]["text"]


async def to_state_from(chat: Chat) -> None:
    await chat.say("描述。")
    for payload in ("done", "skip", "skip", "skip", "skip"):
        await chat.press(payload)


@pytest.mark.parametrize(("key", "text", "details"), [
    ("shielding", "沙河村村委会 村主任", {"unit": "沙河村村委会", "position": "村主任"}),
    ("reported", "某砂石场　打手 某镇", {"unit": "某砂石场", "position": "打手", "place": "某镇"}),
    ("shielding", "某县 公安局 治安大队", {"unit": "某县 公安局 治安大队"}),  # too many words: as typed
    ("shielding", "某镇派出所 | 所长", {"unit": "某镇派出所", "position": "所长"}),
])
def test_a_space_separates_unit_and_position_when_nothing_else_does(key: str, text: str,
                                                                   details: dict[str, str]) -> None:
    """Issue #27 item 13: "沙河村村委会 村主任" is a unit and a position, not one unit."""
    from bot.people import parse_details

    assert parse_details(text, key, {"name": "李某"}) == {"name": "李某", **details}


def test_the_summary_leaves_out_a_time_or_place_not_given() -> None:
    """Issue #27 item 13: no "时间：-" when no time was given."""
    from bot.report_prompts import summary_lines
    from models.store.i18n import translate

    lines = [translate("zh", m, **p) for m, p in summary_lines({"place": "某镇"}, "其他")]
    assert "地点：某镇" in lines and not any(line.startswith("时间") for line in lines)
    assert not any(line.endswith("-") for line in lines)
