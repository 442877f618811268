"""Normalisation before keying (issue 24): one token for one value however it is written."""

from __future__ import annotations

from models.linking.normalise import clue_values, identifiers, name_values, query_values, simplify


def test_full_width_spaces_and_punctuation_give_one_value() -> None:
    assert simplify("王　建 国") == simplify("王建国") == "王建国"
    assert simplify("ＡＢＣ·公司（深圳）") == simplify("abc公司深圳")


def test_traditional_characters_are_simplified() -> None:
    assert simplify("張偉國") == simplify("张伟国")
    assert simplify("廣東省東莞市") == "广东省东莞市"


def test_placeholder_names_give_a_surname_only_never_the_full_name() -> None:
    for written in ("王某", "王某某", "王XX", "王ｘｘ", "王*"):
        assert set(name_values(written, "official")) == {("surname", "王")}, written
    assert set(name_values("王建国", "official")) == {("official", "王建国")}
    assert ("surname", "王") not in set(name_values("王建国", "official"))


def test_identifiers_found_in_free_text() -> None:
    text = "他的电话１３８ ００１３ ８０００，座机0755-12345678，开粤B12345，身份证440301199001011234。"
    found = set(identifiers(text))
    assert ("phone", "13800138000") in found
    assert ("phone", "075512345678") in found
    assert ("plate", "粤b12345") in found
    assert ("id_number", "440301199001011234") in found
    # The mobile-number pattern does not fire inside the ID number.
    assert not any(kind == "phone" and value in "440301199001011234" for kind, value in found)


def test_a_clue_is_indexed_by_people_officials_places_and_identifiers() -> None:
    values = clue_values({"description": "联系电话13900001111", "location": "某县东山镇西村",
                          "reported": [{"name": "赵大", "unit": "西村村委会", "place": "西村"}],
                          "shielding": [{"name": "錢局長"}]})
    assert {("person", "赵大"), ("official", "钱局长"), ("organisation", "西村村委会"),
            ("phone", "13900001111"), ("place", "西村")} <= values
    assert ("place", "东山镇") in values


def test_a_query_for_a_number_looks_for_the_number_only() -> None:
    assert query_values("138-0013-8000") == {("phone", "13800138000")}
    assert ("person", "钱局长") in query_values(" 錢 局長 ")


def test_unnamed_places_and_units_link_nothing() -> None:
    values = clue_values({"location": "某县某村", "reported": [{"name": "张三", "unit": "某村委会", "place": "某村"}]})
    assert values == {("person", "张三")}
    assert ("plate", "粤b12345") in set(identifiers("粤Ｂ·12345"))


def test_birth_order_nicknames_are_one_alias() -> None:
    same = {v for written in ("老三", "三哥", "三儿", "老 三") for v in name_values(written, "person")}
    assert same == {("alias", "三行")}
    assert set(name_values("老五", "official")) == set(name_values("五哥", "person")) == {("alias", "五行")}
    # A nickname is never a person's or official's name: it cannot link to 张三 or to a real 三行.
    assert ("alias", "三行") not in set(name_values("张三", "person"))
    assert set(name_values("三行", "person")) == {("person", "三行")}


def test_other_forms_of_address_are_aliases_of_themselves() -> None:
    # 小三 is also slang for a mistress and 三姐 a sister: neither is folded into the ordinal.
    assert set(name_values("小三", "person")) == {("alias", "小三")}
    assert set(name_values("三姐", "person")) == {("alias", "三姐")}
    # 老王 and 小王 are an elder and a younger man of one surname: two people, not one.
    assert set(name_values("老王", "person")) == {("alias", "老王")}
    assert set(name_values("小王", "person")) == {("alias", "小王")}
    assert set(name_values("老王", "person")).isdisjoint(name_values("小王", "person"))
    assert set(name_values("王建国", "person")) == {("person", "王建国")}
    assert set(name_values("龍哥", "official")) == {("alias", "龙哥")}  # traditional, as everywhere


def test_words_of_address_that_name_nobody_give_no_token() -> None:
    for word in ("老大", "大哥", "老板", "老总"):
        assert set(name_values(word, "person")) == set(), word


def test_a_search_for_a_nickname_finds_its_other_forms() -> None:
    assert ("alias", "三行") in query_values("三儿")
    clue = clue_values({"reported": [{"name": "三哥"}], "shielding": []})
    assert ("alias", "三行") in clue
