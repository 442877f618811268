"""One home per input rule (issue 23, STYLE rule 13): the length of a clue's fields lives in
``models.reporting.limits``; the front ends call it and carry no limit of their own."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from models.reporting import intake, limits

ROOT = Path(__file__).resolve().parents[2]
FRONT_ENDS = ("web/public/forms.py", "web/public/pages.py", "web/public/api.py", "bot/people.py", "bot/report.py",
              "bot/report_people.py", "bot/report_prompts.py", "bot/report_states.py")


# Numbers a copied limit would be: the fields', the people's, and the description's default.
LIMIT_LIKE = {limits.MAX_FIELD, limits.MAX_PEOPLE, 2000, 20_000}


@pytest.mark.parametrize("path", FRONT_ENDS)
def test_no_front_end_carries_a_limit_of_its_own(path: str) -> None:
    """No limit copied in: no number a limit could be, and none bound at import (a ``from … import
    MAX_FIELD`` would keep the old value when the models change it; the front ends' own tests
    change it and watch them follow)."""
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    # Not limits: 2**20 is a megabyte, and ``status: int = 200`` an HTTP status.
    skip = {id(n.right) for n in ast.walk(tree) if isinstance(n, ast.BinOp) and isinstance(n.op, ast.Pow)}
    skip |= {id(default) for f in ast.walk(tree) if isinstance(f, ast.FunctionDef)
             for arg, default in zip(f.args.args[::-1], f.args.defaults[::-1], strict=False) if arg.arg == "status"}
    numbers = {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and type(n.value) is int
               and id(n) not in skip}
    assert not numbers & LIMIT_LIKE
    imported = {alias.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) for alias in n.names}
    assert not {name for name in imported if name.startswith("MAX_")}


@pytest.mark.parametrize(("field", "limit"), [("description", 20_000), ("location", limits.MAX_FIELD),
                                              ("reported-3-place", limits.MAX_FIELD),
                                              ("identity-phone", limits.MAX_FIELD)])
def test_a_field_over_its_limit_is_named_with_its_length_never_cut(field: str, limit: int) -> None:
    assert limits.check_field(field, " " + "字" * limit + "\n", 20_000) is None
    problem = limits.check_field(field, "字" * (limit + 1), 20_000)
    assert problem == limits.TooLong(field, limit + 1, limit)
    assert problem.params == {"n": limit + 1, "max": limit}


def test_validate_refuses_every_over_long_field_at_once() -> None:
    sub = intake.Submission("usury", "字" * 101, True, location="某" * 201,
                            reported=[intake.Person(name="张某", unit="局" * 201)], identity={"phone": "1" * 201})
    with pytest.raises(intake.InvalidInput) as refused:
        intake.validate(sub, max_chars=100)
    assert refused.value.errors == dict.fromkeys(
        ("description", "location", "reported-0-unit", "identity-phone"), limits.TOO_LONG)
    assert refused.value.field_params["description"] == {"n": 101, "max": 100}
    assert refused.value.field_params["location"] == {"n": 201, "max": 200}
