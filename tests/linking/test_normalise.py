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
