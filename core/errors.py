"""Domain exceptions raised by services; the API and UI layers turn them into responses."""

from __future__ import annotations


class DomainError(Exception):
    status = 400

    def __init__(self, detail: str = "") -> None:
        super().__init__(detail)
        self.detail = detail

    def extra(self) -> dict:
        """Extension members for the problem+json body (RFC 9457 §3.2)."""
        return {}


class NotFound(DomainError):
    """Missing, or belonging to another tenant: the two are indistinguishable on purpose."""

    status = 404


class Conflict(DomainError):
    status = 409


class PreconditionFailed(DomainError):
    """The row changed after the caller's ``If-Match`` was checked (a concurrent write won)."""

    status = 412


class InvalidInput(DomainError):
    """Input that parsed but breaks a rule; ``field_errors`` maps field name → messages."""

    status = 422

    def __init__(self, field_errors: dict[str, list[str] | str], detail: str = "") -> None:
        super().__init__(detail or "Check the fields listed in errors.")
        self.field_errors = {
            name: [msgs] if isinstance(msgs, str) else list(msgs)
            for name, msgs in field_errors.items()
        }
