"""IPS reports (being built): the outcome table ``ips-outcomes/1`` and the service reports."""

from __future__ import annotations

REPORTS: list = []
