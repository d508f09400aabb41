"""Tamper evidence for the audit trail (SECURITY L2): hash chains sealed after the fact.

Events are not chained as they are written: every API read writes one, and a chain computed at
INSERT time would need a per-tenant lock held to commit, queueing every request of a tenant.
Instead :func:`seal_chain` (``flask audit seal``, daily) takes a chain's events that are not
sealed yet, in insertion order (``audit_event.seq``), and appends one ``audit_seal`` link each:
``hash_n = SHA-256(hash_(n-1) || canonical(event_n))``, ``hash_0`` 64 zeros. There is one chain
per tenant and one for platform events (no tenant).

An event is "not sealed yet" when no link names it, so an event whose transaction was still open
during a seal run (it has a lower ``seq`` than events sealed then) is sealed by the next run,
never skipped. Only events up to the highest ``seq`` written ``settle_seconds`` ago are sealed,
so transactions in flight normally finish first.

:func:`verify_chain` recomputes every link from the stored events and reports each break: an
event changed after sealing, an event or a link removed, and events that appeared in the sealed
range afterwards (inserted into the past, or committed by a transaction open across the seal
run: both are shown, for a person to judge). Each chain's head (length and last hash) is also
copied to Redis after sealing; the verifier compares it, which catches a rewrite of events *and*
links by someone holding the database (links recomputed from the altered event onwards, or the
newest events and their links removed).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app

from core.audit.models import AuditSeal
from core.columns import new_id
from core.extensions import db

GENESIS = "0" * 64
PLATFORM = "platform"
#: The columns a seal covers, in the canonical serialisation (a JSON object, keys sorted).
EVENT_COLUMNS = (
    "id",
    "tenant_id",
    "seq",
    "at",
    "actor_user_id",
    "actor_label",
    "action",
    "outcome",
    "object_type",
    "object_id",
    "request_id",
    "source_address",
    "details",
)
_SELECT_EVENT = ", ".join(f"e.{c}" for c in EVENT_COLUMNS)


class SealingUnavailable(RuntimeError):
    """Sealing and verification need PostgreSQL (the identity sequence, RLS, the guards)."""


class SealBusy(RuntimeError):
    """Another seal run holds this chain."""


def canonical(event: Mapping[str, Any]) -> bytes:
    """The bytes a link hashes: the event's columns as compact JSON with sorted keys, ids as
    text, times in UTC with microseconds."""
    values: dict[str, Any] = {}
    for name in EVENT_COLUMNS:
        value = event[name]
        if isinstance(value, uuid.UUID):
            value = str(value)
        elif isinstance(value, datetime):
            value = value.astimezone(UTC).isoformat(timespec="microseconds")
        values[name] = value
    return json.dumps(values, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def link_hash(previous: str, event: Mapping[str, Any]) -> str:
    """SHA-256(previous hash || canonical event), hex."""
    return hashlib.sha256(bytes.fromhex(previous) + canonical(event)).hexdigest()


def chain_key(tenant_id: uuid.UUID | None) -> str:
    return str(tenant_id) if tenant_id else PLATFORM


def _require_postgresql() -> None:
    if db.engine.dialect.name != "postgresql":
        raise SealingUnavailable(
            f"Audit sealing and verification need PostgreSQL; this database is "
            f"{db.engine.dialect.name} (the development database), whose audit log has no "
            "insertion sequence and no append-only guards. Nothing was sealed or checked."
        )


def _enter(conn: sa.Connection, tenant_id: uuid.UUID | None) -> str:
    """Scope the transaction to one chain (RLS) and return its SQL condition on ``tenant_id``."""
    conn.execute(
        sa.text("SELECT set_config('app.current_tenant', :t, true)"),
        {"t": str(tenant_id) if tenant_id else ""},
    )
    return "tenant_id = :tenant" if tenant_id else "tenant_id IS NULL"


def _head(conn: sa.Connection, where: str, tenant_id: uuid.UUID | None) -> tuple[int, str]:
    row = conn.execute(
        sa.text(
            f"SELECT position, chain_hash FROM audit_seal WHERE {where} "
            "ORDER BY position DESC LIMIT 1"
        ),
        {"tenant": tenant_id},
    ).first()
    return (row.position, row.chain_hash) if row else (0, GENESIS)


# -- sealing ------------------------------------------------------------------------------


@dataclass
class SealResult:
    """What one seal run appended to one chain."""

    tenant_id: uuid.UUID | None
    sealed: int
    length: int
    head: str
    head_copied: bool
    #: Why the head could not be copied (Redis down): the next run copies the newer head.
    head_error: str | None = None


def seal_chain(
    tenant_id: uuid.UUID | None, *, settle_seconds: float = 60, batch_size: int = 5000
) -> SealResult:
    """Append every not-yet-sealed event of one chain (up to the settle horizon) to it.

    Runs as the application role, in transactions of ``batch_size`` links. Two seal runs of one
    chain never interleave (an advisory lock; the loser raises :class:`SealBusy`, and the unique
    position would refuse it anyway). Requests are never blocked.
    """
    _require_postgresql()
    horizon: int | None = None
    # Later batches of a run start after the last event sealed, instead of walking the whole
    # sealed history again; events committed late below it are found by the next run.
    after = -(2**63)
    sealed = 0
    length, head = 0, GENESIS
    while True:
        with db.engine.connect() as conn, conn.begin():
            where = _enter(conn, tenant_id)
            locked = conn.execute(
                sa.text("SELECT pg_try_advisory_xact_lock(hashtext(:k))"),
                {"k": f"audit_seal:{chain_key(tenant_id)}"},
            ).scalar_one()
            if not locked:
                raise SealBusy(f"Another seal run is sealing the {chain_key(tenant_id)} chain.")
            length, head = _head(conn, where, tenant_id)
            if horizon is None:
                horizon = conn.execute(
                    sa.text(
                        f"SELECT max(seq) FROM audit_event WHERE {where} "
                        "AND at < now() - make_interval(secs => :settle)"
                    ),
                    {"tenant": tenant_id, "settle": settle_seconds},
                ).scalar_one()
                if horizon is None:
                    break
            events = conn.execute(
                sa.text(
                    f"SELECT {_SELECT_EVENT} FROM audit_event e "
                    f"WHERE e.{where} AND e.seq <= :horizon AND e.seq > :after AND NOT EXISTS ("
                    f"  SELECT 1 FROM audit_seal s WHERE s.{where} AND s.event_id = e.id) "
                    "ORDER BY e.seq LIMIT :batch"
                ),
                {"tenant": tenant_id, "horizon": horizon, "after": after, "batch": batch_size},
            ).mappings()
            links = []
            for event in events:
                length += 1
                head = link_hash(head, event)
                links.append(
                    {
                        "id": new_id(),
                        "tenant_id": tenant_id,
                        "position": length,
                        "event_id": event["id"],
                        "event_seq": event["seq"],
                        "chain_hash": head,
                        "sealed_at": datetime.now(UTC),
                    }
                )
            if links:
                conn.execute(sa.insert(AuditSeal.__table__), links)
                after = links[-1]["event_seq"]
        sealed += len(links)
        if len(links) < batch_size:
            break
    from redis.exceptions import RedisError

    try:
        copied = copy_head(tenant_id, length, head) if length else False
    except RedisError as error:
        return SealResult(tenant_id, sealed, length, head, False, f"Redis: {error}")
    return SealResult(tenant_id, sealed, length, head, copied)


# -- the separate store: Redis ------------------------------------------------------------


def _redis():
    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    from redis import Redis

    return Redis.from_url(url, socket_connect_timeout=2, socket_timeout=10)


def head_key(tenant_id: uuid.UUID | None) -> str:
    """Redis key of a chain's head copy (the database name keeps installations apart)."""
    return f"stepping-stones:audit-head:{db.engine.url.database}:{chain_key(tenant_id)}"


def copy_head(tenant_id: uuid.UUID | None, length: int, head: str) -> bool:
    """Copy a chain's head to Redis (after the links committed). False without ``REDIS_URL``."""
    redis = _redis()
    if redis is None:
        return False
    with redis:
        redis.hset(
            head_key(tenant_id),
            mapping={"position": length, "hash": head, "at": datetime.now(UTC).isoformat()},
        )
    return True


def stored_head(tenant_id: uuid.UUID | None) -> tuple[int, str] | None:
    """The head copied to Redis: (position, hash), or None if there is none."""
    redis = _redis()
    if redis is None:
        return None
    with redis:
        found = redis.hgetall(head_key(tenant_id))
    if not found:
        return None
    return int(found[b"position"]), found[b"hash"].decode()


# -- verification -------------------------------------------------------------------------


@dataclass
class Finding:
    """One break: what is wrong, where in the chain, and with which event."""

    problem: str
    detail: str
    position: int | None = None
    event_id: uuid.UUID | None = None
    seq: int | None = None

    def line(self) -> str:
        where = []
        if self.position is not None:
            where.append(f"position {self.position}")
        if self.event_id is not None:
            where.append(f"event {self.event_id}")
        if self.seq is not None:
            where.append(f"seq {self.seq}")
        return f"{self.problem}: {', '.join(where) + ': ' if where else ''}{self.detail}"


@dataclass
class Verification:
    """The result of checking one chain. ``ok`` when there is no finding."""

    tenant_id: uuid.UUID | None
    length: int = 0
    head: str = GENESIS
    not_yet_sealed: int = 0
    head_copy: str = "not configured (REDIS_URL unset)"
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings

    @property
    def first_break(self) -> Finding | None:
        return self.findings[0] if self.findings else None


def verify_chain(tenant_id: uuid.UUID | None) -> Verification:
    """Recompute one chain from the stored events and compare with its links and head copy."""
    _require_postgresql()
    result = Verification(tenant_id)
    # Read the copy first: a seal run finishing meanwhile leaves it behind the snapshot, not ahead.
    from redis.exceptions import RedisError

    try:
        head_copy = stored_head(tenant_id)
    except RedisError as error:
        head_copy = None
        result.findings.append(Finding("head copy unreadable", f"Redis: {error}"))
    with db.engine.connect() as conn:
        # One snapshot for the walk and the search for unsealed events.
        conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            hashes = _walk(conn, tenant_id, head_copy, result)
    _compare_head(result, head_copy, hashes)
    return result


def _walk(
    conn: sa.Connection,
    tenant_id: uuid.UUID | None,
    head_copy: tuple[int, str] | None,
    result: Verification,
) -> dict[int, str]:
    """Recompute every link in order; note each break; return the hash at the head copy's
    position (if the chain reaches it)."""
    found = result.findings
    where = _enter(conn, tenant_id)
    rows = conn.execute(
        sa.text(
            f"SELECT s.position, s.event_id AS link_event_id, s.event_seq AS link_seq, "
            f"s.chain_hash, {_SELECT_EVENT} FROM audit_seal s "
            f"LEFT JOIN audit_event e ON e.id = s.event_id AND e.{where} "
            f"WHERE s.{where} ORDER BY s.position"
        ),
        {"tenant": tenant_id},
        execution_options={"yield_per": 2000},
    )
    previous, expected = GENESIS, 1
    max_seq: int | None = None
    max_at: datetime | None = None
    hashes: dict[int, str] = {}
    for row in rows.mappings():
        position = row["position"]
        if position != expected:
            found.append(
                Finding(
                    "link missing",
                    f"links {expected}–{position - 1} are gone (removed after sealing)",
                    position=expected,
                )
            )
        if row["id"] is None:
            found.append(
                Finding(
                    "event missing",
                    "the sealed event is no longer in the audit log (deleted)",
                    position,
                    row["link_event_id"],
                    row["link_seq"],
                )
            )
        else:
            max_seq = max(max_seq or 0, row["seq"])
            max_at = max(max_at, row["at"]) if max_at else row["at"]
            if link_hash(previous, row) != row["chain_hash"]:
                found.append(
                    Finding(
                        "event altered",
                        "stored content no longer matches its seal (changed after sealing,"
                        " or the link itself was changed)",
                        position,
                        row["id"],
                        row["seq"],
                    )
                )
        if head_copy and position == head_copy[0]:
            hashes[position] = row["chain_hash"]
        previous, expected = row["chain_hash"], position + 1
    result.length, result.head = expected - 1, previous
    _unsealed(conn, where, tenant_id, max_seq, max_at, result)
    return hashes


def _unsealed(
    conn: sa.Connection,
    where: str,
    tenant_id: uuid.UUID | None,
    max_seq: int | None,
    max_at: datetime | None,
    result: Verification,
) -> None:
    """Events no link names: new ones are normal; those inside the sealed range are not."""
    unsealed = (
        f"e.{where} AND NOT EXISTS "
        f"(SELECT 1 FROM audit_seal s WHERE s.{where} AND s.event_id = e.id)"
    )
    params = {"tenant": tenant_id, "max_seq": max_seq, "max_at": max_at}
    inside = []
    if max_seq is not None:  # something is sealed: is anything missing from before it?
        inside = conn.execute(
            sa.text(
                f"SELECT e.id, e.seq, e.at FROM audit_event e WHERE {unsealed} "
                "AND (e.seq < :max_seq OR e.at < :max_at) ORDER BY e.seq"
            ),
            params,
        ).all()
    for event in inside:
        result.findings.append(
            Finding(
                "unsealed event inside the sealed range",
                f"written at {event.at.isoformat()}, before events already sealed, but not "
                "sealed itself: inserted after sealing, or its transaction was still open "
                "during the seal run (the next run seals it)",
                None,
                event.id,
                event.seq,
            )
        )
    result.not_yet_sealed = conn.execute(
        sa.text(f"SELECT count(*) FROM audit_event e WHERE {unsealed}"),
        params,
    ).scalar_one() - len(inside)


def _compare_head(
    result: Verification, head_copy: tuple[int, str] | None, hashes: dict[int, str]
) -> None:
    if _redis() is None or any(f.problem == "head copy unreadable" for f in result.findings):
        return
    if head_copy is None:
        result.head_copy = "none stored"
        if result.length:
            result.findings.append(
                Finding(
                    "head copy missing",
                    f"the chain has {result.length} links but Redis holds no head for it",
                )
            )
        return
    position, digest = head_copy
    result.head_copy = f"position {position}, {digest[:12]}…"
    if position > result.length:
        result.findings.append(
            Finding(
                "chain shorter than its head copy",
                f"Redis says the chain reached position {position}; it has {result.length} "
                "links (the newest were removed)",
                position=result.length + 1,
            )
        )
    elif hashes.get(position) != digest:
        result.findings.append(
            Finding(
                "head copy mismatch",
                f"link {position} has hash {hashes.get(position, '?')[:12]}…, Redis holds "
                f"{digest[:12]}… (the chain was rewritten up to there)",
                position=position,
            )
        )
