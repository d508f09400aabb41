"""The fidelity trend as the geometry of a small SVG chart (CSP forbids inline script, so the
server draws it). One bar per complete review, on a 0–125 scale with the band edges drawn as
lines; the page shows the same figures in a table, and the SVG describes them in its ``desc``.
"""

from __future__ import annotations

from typing import Any

from .fidelity_scale import BANDS
from .fidelity_services import ScoredReview

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 48, 150, 12, 36
TOP_SCORE = 125


def _y(value: float) -> int:
    plot = HEIGHT - TOP - BOTTOM
    return TOP + round(plot * (1 - value / TOP_SCORE))


def trend_chart(reviews: list[ScoredReview]) -> dict[str, Any] | None:
    """Bars of the complete reviews' totals, oldest first (None when there is none yet)."""
    complete = [r for r in reviews if r.result.complete]
    if not complete:
        return None
    plot_width = WIDTH - LEFT - RIGHT
    slot = plot_width / len(complete)
    bar_width = max(8, min(48, int(slot * 0.6)))
    bars = []
    for index, review in enumerate(complete):
        x = LEFT + int(slot * index + (slot - bar_width) / 2)
        y = _y(review.result.total)
        bars.append(
            {
                "x": x,
                "y": y,
                "width": bar_width,
                "height": _y(0) - y,
                "value": review.result.total,
                "label": review.reviewed_on.strftime("%b %Y"),
                "label_x": x + bar_width // 2,
                "band": review.result.band.label if review.result.band else "",
            }
        )
    edges = [
        {"y": _y(band.low), "label": f"{band.low} {band.key.replace('_', ' ')}"}
        for band in BANDS
        if band.low > 25
    ]
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right_edge": WIDTH - RIGHT,
        "baseline": _y(0),
        "bars": bars,
        "edges": edges,
        "ticks": [{"y": _y(v), "value": v} for v in (0, 25, 50, 75, 100, 125)],
    }
