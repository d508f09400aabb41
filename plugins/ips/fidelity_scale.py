"""The 25-item IPS fidelity scale (IPS-25) and its bands, as data, with the arithmetic on them.

Items and sections follow /work/shared/domain/ips.md. Every item is scored 1–5, so a complete
review totals 25–125. A review with any item unscored is *incomplete*: it has a partial total but
no band, because a band read from a partial total would flatter or damn the service unfairly.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

MIN_SCORE, MAX_SCORE = 1, 5


@dataclass(frozen=True)
class Item:
    number: int
    section: str
    title: str
    #: What a 5 (or the scale's anchors) looks like, where the scale states it.
    anchors: str = ""


SECTIONS: tuple[str, ...] = ("Staffing", "Organisation", "Services")

ITEMS: tuple[Item, ...] = (
    Item(1, "Staffing", "Caseload size", "5: 20 or fewer; 4: 21–25; 3: 26–30; 2: 31–40; 1: 41+"),
    Item(2, "Staffing", "Employment services staff (time spent on employment work)"),
    Item(3, "Staffing", "Vocational generalists (one specialist does every phase)"),
    Item(4, "Organisation", "Integration with mental-health treatment through team assignment"),
    Item(5, "Organisation", "Integration through frequent team contact"),
    Item(6, "Organisation", "Collaboration with vocational rehabilitation / Job Centre Plus"),
    Item(7, "Organisation", "Vocational unit"),
    Item(8, "Organisation", "Role of the employment supervisor"),
    Item(9, "Organisation", "Zero exclusion criteria"),
    Item(10, "Organisation", "Agency focus on competitive employment"),
    Item(11, "Organisation", "Executive team support for supported employment"),
    Item(12, "Services", "Work incentives planning (benefits advice, in-work calculations)"),
    Item(13, "Services", "Disclosure"),
    Item(14, "Services", "Ongoing, work-based vocational assessment"),
    Item(15, "Services", "Rapid search for competitive job", "5: first employer contact ≤ 30 days"),
    Item(16, "Services", "Individualised job search"),
    Item(17, "Services", "Job development — frequent employer contact"),
    Item(18, "Services", "Job development — quality of employer contact"),
    Item(19, "Services", "Diversity of job types"),
    Item(20, "Services", "Diversity of employers"),
    Item(21, "Services", "Competitive jobs"),
    Item(22, "Services", "Individualised follow-along supports"),
    Item(23, "Services", "Time-unlimited follow-along supports"),
    Item(24, "Services", "Community-based services"),
    Item(25, "Services", "Assertive engagement and outreach by the integrated team"),
)
ITEM_NUMBERS: tuple[int, ...] = tuple(item.number for item in ITEMS)
BY_NUMBER: dict[int, Item] = {item.number: item for item in ITEMS}


@dataclass(frozen=True)
class Band:
    key: str
    label: str
    low: int
    high: int


#: Highest first. "Good" (100–114) and "fair" (74–99) are confirmed by the scale's guidance;
#: the 115 edge of "exemplary" and the 73 edge of "not IPS" are UNCONFIRMED (ips.md): kept as
#: data so a corrected edge is a one-line change.
BANDS: tuple[Band, ...] = (
    Band("exemplary", "Exemplary fidelity", 115, 125),
    Band("good", "Good fidelity", 100, 114),
    Band("fair", "Fair fidelity", 74, 99),
    Band("not_ips", "Not supported employment (not IPS)", 25, 73),
)


def band_for(total: int) -> Band | None:
    """The band a complete review's total falls in (None outside 25–125)."""
    return next((band for band in BANDS if band.low <= total <= band.high), None)


@dataclass(frozen=True)
class Result:
    """What a set of item scores adds up to."""

    total: int
    scored: int
    complete: bool
    band: Band | None
    #: Section name → (sum of its scored items, number scored, number of items in it).
    sections: dict[str, tuple[int, int, int]]
    #: Item numbers not scored yet.
    missing: tuple[int, ...]


def score(scores: Mapping[int, int]) -> Result:
    """Total, band and section subtotals of ``scores`` (item number → 1–5).

    Unknown item numbers are ignored here: validation refuses them before they are stored.
    """
    valid = {n: s for n, s in scores.items() if n in BY_NUMBER}
    sections = {}
    for section in SECTIONS:
        numbers = [item.number for item in ITEMS if item.section == section]
        got = [valid[n] for n in numbers if n in valid]
        sections[section] = (sum(got), len(got), len(numbers))
    total = sum(valid.values())
    complete = len(valid) == len(ITEMS)
    return Result(
        total=total,
        scored=len(valid),
        complete=complete,
        band=band_for(total) if complete else None,
        sections=sections,
        missing=tuple(n for n in ITEM_NUMBERS if n not in valid),
    )


def check_scores(scores: list[dict]) -> dict[str, str]:
    """Per-field problems of submitted scores (``scores.<i>.item`` / ``.score``), empty if fine:
    an item outside 1–25, an item given twice, or a score outside 1–5."""
    errors: dict[str, str] = {}
    seen: set[int] = set()
    for index, entry in enumerate(scores):
        item, value = entry.get("item"), entry.get("score")
        if item not in BY_NUMBER:
            errors[f"scores.{index}.item"] = (
                f"Item {item} is not on the scale: items are numbered 1 to {len(ITEMS)}."
            )
        elif item in seen:
            errors[f"scores.{index}.item"] = f"Item {item} is scored twice."
        else:
            seen.add(item)
        if not isinstance(value, int) or not MIN_SCORE <= value <= MAX_SCORE:
            errors[f"scores.{index}.score"] = (
                f"Score item {item} from {MIN_SCORE} to {MAX_SCORE} (you gave {value})."
            )
    return errors
