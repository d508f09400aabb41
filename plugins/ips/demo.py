"""Synthetic IPS demo data (being built)."""

from __future__ import annotations


def load_demo_data(tenant) -> list[str]:
    return []
