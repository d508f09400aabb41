"""The IPS-25 arithmetic: totals, bands at their edges, incomplete reviews, section subtotals."""

from __future__ import annotations

import pytest

from plugins.ips.fidelity_scale import BANDS, ITEMS, band_for, check_scores, score


def scores_totalling(total: int) -> dict[int, int]:
    """All 25 items scored 1–5 so that they add up to ``total`` (25–125)."""
    assert 25 <= total <= 125
    extra = total - 25
    out = {}
    for item in ITEMS:
        add = min(4, extra)
        out[item.number] = 1 + add
        extra -= add
    assert sum(out.values()) == total
    return out


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (25, "not_ips"),
        (73, "not_ips"),
        (74, "fair"),
        (99, "fair"),
        (100, "good"),
        (114, "good"),
        (115, "exemplary"),
        (125, "exemplary"),
    ],
)
def test_band_at_the_edges(total, band):
    result = score(scores_totalling(total))
    assert result.complete
    assert result.total == total
    assert result.band is not None and result.band.key == band


def test_bands_cover_25_to_125_without_gaps_or_overlaps():
    covered = sorted(n for band in BANDS for n in range(band.low, band.high + 1))
    assert covered == list(range(25, 126))
    assert band_for(24) is None and band_for(126) is None


def test_review_missing_an_item_is_incomplete_with_no_band():
    scores = scores_totalling(125)
    del scores[13]
    result = score(scores)
    assert not result.complete
    assert result.band is None
    assert result.total == 120
    assert result.scored == 24
    assert result.missing == (13,)


def test_section_subtotals():
    scores = {item.number: 3 for item in ITEMS}
    scores[1], scores[4], scores[25] = 5, 1, 2
    result = score(scores)
    assert result.sections == {
        "Staffing": (11, 3, 3),
        "Organisation": (22, 8, 8),
        "Services": (41, 14, 14),
    }
    assert sum(s for s, _n, _c in result.sections.values()) == result.total == 74


def test_the_scale_has_25_items_in_three_sections():
    assert [item.number for item in ITEMS] == list(range(1, 26))
    assert {item.section for item in ITEMS} == {"Staffing", "Organisation", "Services"}


@pytest.mark.parametrize(
    ("entry", "field"),
    [
        ({"item": 1, "score": 0}, "scores.0.score"),
        ({"item": 1, "score": 6}, "scores.0.score"),
        ({"item": 26, "score": 3}, "scores.0.item"),
        ({"item": 0, "score": 3}, "scores.0.item"),
    ],
)
def test_check_scores_refuses_out_of_range(entry, field):
    assert field in check_scores([entry])


def test_check_scores_refuses_an_item_twice_and_accepts_good_scores():
    assert "scores.1.item" in check_scores([{"item": 2, "score": 3}, {"item": 2, "score": 4}])
    assert check_scores([{"item": n, "score": 1 + n % 5} for n in range(1, 26)]) == {}


def test_trend_chart_draws_complete_reviews_only_to_scale():
    from datetime import date
    from types import SimpleNamespace

    from plugins.ips.fidelity_chart import trend_chart
    from plugins.ips.fidelity_services import ScoredReview

    def reviewed(day: date, scores: dict[int, int]) -> ScoredReview:
        return ScoredReview(SimpleNamespace(reviewed_on=day), {}, score(scores))

    assert trend_chart([]) is None
    assert trend_chart([reviewed(date(2026, 1, 1), {1: 5})]) is None  # incomplete only
    chart = trend_chart(
        [
            reviewed(date(2025, 6, 1), scores_totalling(50)),
            reviewed(date(2025, 9, 1), {1: 5}),
            reviewed(date(2026, 1, 1), scores_totalling(100)),
        ]
    )
    assert [(b["label"], b["value"]) for b in chart["bars"]] == [
        ("Jun 2025", 50),
        ("Jan 2026", 100),
    ]
    low, high = chart["bars"]
    assert abs(high["height"] - 2 * low["height"]) <= 1
    assert low["y"] + low["height"] == high["y"] + high["height"] == chart["baseline"]
    assert [e["label"] for e in chart["edges"]] == ["115 exemplary", "100 good", "74 fair"]
