"""DCB0129 (SECURITY G1, G2): the hazard log, the tests verifying its controls and the CSCR agree.

A trust's Clinical Safety Officer signs off a release on the Clinical Safety Case Report, which
rests on the hazard log (``docs/clinical-safety/hazard-log.toml``). These checks keep the three
from drifting apart: a software control nobody tests, a test naming a hazard that was renumbered,
or a release without a safety case all fail here. They read files only (no database, no pytest
internals): marks are found by parsing the test files with ``ast``.

Each check is a function returning the problems it found, so the self-tests at the bottom can
show that every check reports a broken log rather than passing whatever it is given.
"""

from __future__ import annotations

import ast
import re
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SAFETY_DIR = ROOT / "docs" / "clinical-safety"
HAZARD_LOG = SAFETY_DIR / "hazard-log.toml"
#: pytest's testpaths (pyproject.toml): where marked tests can live.
TEST_ROOTS = (ROOT / "tests", ROOT / "plugins")

HAZARD_ID = re.compile(r"HAZ-\d{3}")
LIKELIHOODS = ("very low", "low", "medium", "high", "very high")
SEVERITIES = ("minor", "significant", "considerable", "major", "catastrophic")
#: CRMP.md "Risk matrix": rows are likelihoods, columns severities, in the order above.
RISK_MATRIX = {
    "very high": (3, 4, 4, 5, 5),
    "high": (2, 3, 3, 4, 5),
    "medium": (2, 2, 3, 3, 4),
    "low": (1, 2, 2, 3, 4),
    "very low": (1, 1, 2, 2, 3),
}
#: Highest residual risk a closed hazard may keep (3: accepted only as low as reasonably
#: practicable, with the reason in the CSCR; 4 and 5 are unacceptable).
MAX_CLOSED_RESIDUAL = 3
CONTROL_TYPES = {"software", "training", "process"}
STATUSES = {"open", "closed"}
TEXT_FIELDS = ("id", "title", "cause", "effect", "harm")

#: hazard id -> the tests (``path::name``) marked with it.
Marks = dict[str, list[str]]


def risk(likelihood: str, severity: str) -> int:
    """The matrix cell for a likelihood and a severity."""
    return RISK_MATRIX[likelihood][SEVERITIES.index(severity)]


def load_log(path: Path = HAZARD_LOG) -> list[dict[str, Any]]:
    with path.open("rb") as file:
        return tomllib.load(file)["hazard"]


def project_version() -> str:
    with (ROOT / "pyproject.toml").open("rb") as file:
        return tomllib.load(file)["project"]["version"]


def has_tested_software_control(hazard: dict[str, Any]) -> bool:
    """True when a software control is in this release, so a test must verify it."""
    return any(
        c.get("type") == "software" and c.get("implemented", True)
        for c in hazard.get("controls", [])
    )


# --- Finding the marks ----------------------------------------------------------------------


def _hazard_mark_args(decorator: ast.expr) -> list[ast.expr] | None:
    """The arguments of ``@pytest.mark.hazard(...)``, or None for any other decorator."""
    if not isinstance(decorator, ast.Call):
        return None
    func = decorator.func
    if (
        isinstance(func, ast.Attribute)
        and func.attr == "hazard"
        and isinstance(func.value, ast.Attribute)
        and func.value.attr == "mark"
        and isinstance(func.value.value, ast.Name)
        and func.value.value.id == "pytest"
    ):
        return [*decorator.args, *(k.value for k in decorator.keywords)]
    return None


def marks_in_source(source: str, where: str) -> tuple[Marks, list[str]]:
    """Hazard marks on the test functions, methods and classes of one file, and bad marks.

    A mark on a class covers its tests, so the class is recorded as the test. A mark must hold
    exactly one literal id; anything else is a problem (it would silently verify nothing).
    """
    marks: Marks = {}
    problems: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue
        for decorator in node.decorator_list:
            args = _hazard_mark_args(decorator)
            if args is None:
                continue
            test = f"{where}::{node.name}"
            literal = args[0] if len(args) == 1 else None
            if not (isinstance(literal, ast.Constant) and isinstance(literal.value, str)):
                problems.append(f"{test}: hazard mark needs exactly one literal id")
            elif not HAZARD_ID.fullmatch(literal.value):
                problems.append(f"{test}: {literal.value!r} is not an id like HAZ-001")
            else:
                marks.setdefault(literal.value, []).append(test)
    return marks, problems


def collect_marks(roots: Iterable[Path] = TEST_ROOTS) -> tuple[Marks, list[str]]:
    """Hazard marks in every ``test_*.py`` under ``roots``."""
    marks: Marks = {}
    problems: list[str] = []
    for root in roots:
        for path in sorted(root.rglob("test_*.py")):
            if "node_modules" in path.parts:
                continue
            found, bad = marks_in_source(
                path.read_text(encoding="utf-8"), str(path.relative_to(ROOT))
            )
            for hazard_id, tests in found.items():
                marks.setdefault(hazard_id, []).extend(tests)
            problems += bad
    return marks, problems


# --- The checks -----------------------------------------------------------------------------


def id_problems(log: list[dict[str, Any]]) -> list[str]:
    """Ids that are malformed or used twice."""
    ids = [h.get("id", "") for h in log]
    problems = [f"{i!r} is not an id like HAZ-001" for i in ids if not HAZARD_ID.fullmatch(i)]
    problems += [f"{i} is used {ids.count(i)} times" for i in sorted(set(ids)) if ids.count(i) > 1]
    return problems


def hazard_problems(hazard: dict[str, Any]) -> list[str]:
    """What one hazard lacks or gets wrong against CRMP.md."""
    name = hazard.get("id", "?")
    problems = [f"{name}: no {f}" for f in TEXT_FIELDS if not str(hazard.get(f, "")).strip()]
    if hazard.get("status") not in STATUSES:
        problems.append(f"{name}: status {hazard.get('status')!r} is not one of {sorted(STATUSES)}")
    for stage in ("initial", "residual"):
        likelihood = hazard.get(f"{stage}_likelihood")
        severity = hazard.get(f"{stage}_severity")
        if likelihood not in LIKELIHOODS or severity not in SEVERITIES:
            problems.append(f"{name}: {stage} likelihood or severity is not on the matrix")
        elif hazard.get(f"{stage}_risk") != risk(likelihood, severity):
            problems.append(
                f"{name}: {stage}_risk {hazard.get(f'{stage}_risk')!r} is not the matrix cell "
                f"{risk(likelihood, severity)} for {likelihood} x {severity}"
            )
    initial, residual = hazard.get("initial_risk"), hazard.get("residual_risk")
    if isinstance(initial, int) and isinstance(residual, int) and residual > initial:
        problems.append(f"{name}: residual risk is above the initial risk")
    controls = hazard.get("controls", [])
    if not controls:
        problems.append(f"{name}: no controls")
    for number, control in enumerate(controls, 1):
        if control.get("type") not in CONTROL_TYPES:
            problems.append(f"{name}: control {number} type {control.get('type')!r} is unknown")
        if not str(control.get("description", "")).strip():
            problems.append(f"{name}: control {number} has no description")
    if hazard.get("status") == "closed":
        if any(not c.get("implemented", True) for c in controls):
            problems.append(f"{name}: closed, but a control is still planned")
        if hazard.get("residual_risk", 0) > MAX_CLOSED_RESIDUAL:
            problems.append(f"{name}: closed with an unacceptable residual risk")
    return problems


def untested_hazards(log: list[dict[str, Any]], marks: Marks) -> list[str]:
    """Hazards with a software control in this release that no test is marked with (G2)."""
    return [h["id"] for h in log if has_tested_software_control(h) and not marks.get(h["id"])]


def unknown_marks(log: list[dict[str, Any]], marks: Marks) -> list[str]:
    """Marked tests naming a hazard that is not in the log."""
    ids = {h.get("id") for h in log}
    return [f"{test}: {i}" for i in sorted(set(marks) - ids) for test in marks[i]]


def cscr_problems(
    log: list[dict[str, Any]], version: str, safety_dir: Path = SAFETY_DIR
) -> list[str]:
    """The release's safety case is missing or leaves a hazard out (G1)."""
    report = safety_dir / f"CSCR-{version}.md"
    if not report.is_file():
        return [f"{report.name} does not exist in {safety_dir}"]
    named = set(HAZARD_ID.findall(report.read_text(encoding="utf-8")))
    problems = [f"{report.name} does not name {h['id']}" for h in log if h["id"] not in named]
    problems += [
        f"{report.name} names {i}, which is not in the log"
        for i in sorted(named - {h["id"] for h in log})
    ]
    return problems


# --- The project's own log ------------------------------------------------------------------


def test_hazard_ids_are_unique_and_well_formed():
    assert id_problems(load_log()) == []


def test_every_hazard_is_complete_and_its_risks_follow_the_matrix():
    problems = [p for hazard in load_log() for p in hazard_problems(hazard)]
    assert problems == []


def test_every_hazard_with_a_software_control_has_a_marked_test():
    marks, _ = collect_marks()
    assert untested_hazards(load_log(), marks) == []


def test_every_hazard_mark_names_a_hazard_in_the_log():
    marks, malformed = collect_marks()
    assert malformed == []
    assert unknown_marks(load_log(), marks) == []


def test_the_safety_case_for_this_version_names_every_hazard():
    assert cscr_problems(load_log(), project_version()) == []


# --- The checks report what they should -----------------------------------------------------

GOOD = {
    "id": "HAZ-001",
    "title": "t",
    "cause": "c",
    "effect": "e",
    "harm": "h",
    "status": "closed",
    "initial_likelihood": "medium",
    "initial_severity": "major",
    "initial_risk": 3,
    "residual_likelihood": "very low",
    "residual_severity": "major",
    "residual_risk": 2,
    "controls": [{"type": "software", "description": "d"}],
}


def test_the_checks_accept_a_good_hazard():
    assert id_problems([GOOD]) == [] and hazard_problems(GOOD) == []
    assert untested_hazards([GOOD], {"HAZ-001": ["tests/x.py::test_y"]}) == []


def test_the_checks_report_a_broken_log():
    assert id_problems([GOOD, GOOD, {**GOOD, "id": "HAZ-1"}]) == [
        "'HAZ-1' is not an id like HAZ-001",
        "HAZ-001 is used 2 times",
    ]
    broken = {
        **GOOD,
        "harm": " ",
        "status": "done",
        "initial_risk": 4,
        "residual_likelihood": "likely",
        "controls": [{"type": "policy", "description": ""}],
    }
    assert hazard_problems(broken) == [
        "HAZ-001: no harm",
        "HAZ-001: status 'done' is not one of ['closed', 'open']",
        "HAZ-001: initial_risk 4 is not the matrix cell 3 for medium x major",
        "HAZ-001: residual likelihood or severity is not on the matrix",
        "HAZ-001: control 1 type 'policy' is unknown",
        "HAZ-001: control 1 has no description",
    ]
    planned = {**GOOD, "controls": [{"type": "software", "description": "d", "implemented": False}]}
    assert hazard_problems(planned) == ["HAZ-001: closed, but a control is still planned"]
    assert hazard_problems({**GOOD, "controls": []}) == ["HAZ-001: no controls"]
    worse = {
        **GOOD,
        "initial_likelihood": "very low",
        "initial_risk": 2,
        "residual_likelihood": "high",
        "residual_risk": 4,
    }
    assert hazard_problems(worse) == [
        "HAZ-001: residual risk is above the initial risk",
        "HAZ-001: closed with an unacceptable residual risk",
    ]


def test_an_untested_software_control_and_an_unknown_mark_are_reported():
    training_only = {
        **GOOD,
        "id": "HAZ-002",
        "controls": [{"type": "training", "description": "d"}],
    }
    planned = {**GOOD, "id": "HAZ-003", "controls": [{"type": "software", "implemented": False}]}
    log = [GOOD, training_only, planned]
    assert untested_hazards(log, {}) == ["HAZ-001"]
    assert unknown_marks(log, {"HAZ-009": ["tests/x.py::test_y"]}) == [
        "tests/x.py::test_y: HAZ-009"
    ]


def test_marks_are_found_on_functions_methods_and_classes_and_bad_ones_reported():
    source = (
        "import pytest\n"
        "@pytest.mark.hazard('HAZ-001')\n"
        "@pytest.mark.parametrize('x', [1])\n"
        "def test_a(x): pass\n"
        "@pytest.mark.hazard('HAZ-002')\n"
        "class TestB:\n"
        "    @pytest.mark.hazard('HAZ-001')\n"
        "    async def test_c(self): pass\n"
        "@pytest.mark.slow\n"
        "@pytest.mark.hazard('HAZ-7')\n"
        "@pytest.mark.hazard(ID)\n"
        "def test_d(): pass\n"
    )
    marks, problems = marks_in_source(source, "t.py")
    assert marks == {"HAZ-001": ["t.py::test_a", "t.py::test_c"], "HAZ-002": ["t.py::TestB"]}
    assert problems == [
        "t.py::test_d: 'HAZ-7' is not an id like HAZ-001",
        "t.py::test_d: hazard mark needs exactly one literal id",
    ]


def test_a_missing_or_incomplete_safety_case_is_reported(tmp_path):
    log = [GOOD, {**GOOD, "id": "HAZ-002"}]
    assert cscr_problems(log, "9.9.9", tmp_path) == [f"CSCR-9.9.9.md does not exist in {tmp_path}"]
    (tmp_path / "CSCR-9.9.9.md").write_text("HAZ-001 and HAZ-004", encoding="utf-8")
    assert cscr_problems(log, "9.9.9", tmp_path) == [
        "CSCR-9.9.9.md does not name HAZ-002",
        "CSCR-9.9.9.md names HAZ-004, which is not in the log",
    ]
