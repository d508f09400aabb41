"""Append-only audit of every read and write of client data, and of security events."""

from core.audit.service import record

__all__ = ["record"]
