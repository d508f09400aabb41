"""Page forms take dates as the NHS date input's three boxes; tests (core's and the plugins') write
them as one string."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

ISO = re.compile(r"^(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})$")
TYPED = re.compile(r"^(?P<day>\d{1,2})/(?P<month>\d{1,2})/(?P<year>\d{4})$")


def nhs_dates(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` with each date value (a ``date``, ISO ``2026-03-15`` or typed ``15/3/2026``)
    split into ``name[day]``, ``name[month]`` and ``name[year]`` as a person types them (no
    leading zeros); other values as they are (an empty string sends no date at all)."""
    out: dict[str, Any] = {}
    for name, value in data.items():
        text = value.isoformat() if isinstance(value, date) else value
        match = (ISO.match(text) or TYPED.match(text)) if isinstance(text, str) else None
        if match:
            out[f"{name}[day]"] = str(int(match["day"]))
            out[f"{name}[month]"] = str(int(match["month"]))
            out[f"{name}[year]"] = match["year"]
        else:
            out[name] = value
    return out


def post_form(client: Any, url: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
    """``client.post`` of a page form, its dates as the three boxes (JSON posts pass through)."""
    if data is not None:
        kwargs["data"] = nhs_dates(data)
    return client.post(url, **kwargs)
