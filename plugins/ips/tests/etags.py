"""Test helper: headers that update a record as someone who has just read it."""

from __future__ import annotations


def fresh(client, url: str, headers: dict[str, str]) -> dict[str, str]:
    """``headers`` plus ``If-Match`` with the ETag a GET of ``url`` gives now."""
    read = client.get(url, headers=headers)
    assert read.status_code == 200, read.json
    return {**headers, "If-Match": read.headers["ETag"]}
