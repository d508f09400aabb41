"""Synthetic data for the benchmarks: tenants with a staff member and an API token each, and
clients loaded with PostgreSQL ``COPY`` (as the superuser, so loading is not what is measured).

Names come from lists of common UK given and family names, with a share of real-world variant
spellings and data-entry typos stored in the records, so trigram search meets realistic data.
NHS numbers are valid Modulus 11 numbers from the reserved test range (999…).
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import psycopg
import sqlalchemy as sa


def _words(text: str) -> list[str]:
    return text.split()


GIVEN = _words(
    """
oliver george harry jack jacob noah charlie muhammad thomas oscar william james henry leo alfie
joshua freddie archie ethan isaac alexander joseph edward samuel max daniel arthur lucas mohammed
logan theo harrison benjamin mason sebastian finley adam dylan zachary riley teddy david toby
jake louie elijah reuben arlo hugo luca jaxon matthew harvey reggie michael tommy jenson ronnie
frankie mohammad albert stanley jude liam ryan caleb elliot louis ralph roman rory callum kai
john peter paul stephen steven andrew mark christopher robert richard anthony kevin brian gary
amelia olivia isla ava emily sophia grace mia poppy ella lily evie isabella sophie ivy freya
harper willow charlotte jessica rosie daisy alice ruby florence sienna millie matilda evelyn
eva elsie phoebe layla isabelle emma esme ellie maya sofia lucy scarlett hannah chloe imogen
holly erin zara aisha amira fatima mary margaret patricia susan linda karen sarah helen claire
nicola joanne rachel laura rebecca natalie gemma kirsty leanne siobhan aoife niamh ciara bronwen
rhiannon catrin priya anjali deepa sunita harpreet gurpreet mandeep ravi sanjay arjun kwame kofi
chidi ngozi adebayo oluwaseun tariq imran bilal yusuf hamza wojciech katarzyna agnieszka piotr
"""
)

FAMILY = _words(
    """
smith jones williams taylor brown davies evans wilson thomas johnson roberts robinson thompson
wright walker white edwards hughes green hall lewis harris clarke patel jackson wood turner martin
cooper hill ward morris moore clark lee king baker harrison morgan allen james scott phillips
watson davis parker price bennett young griffiths mitchell kelly cook carter richardson bailey
collins bell shaw murphy miller cox richards khan marshall anderson simpson ellis adams singh
begum wilkinson foster chapman powell webb rogers gray mason ali hunt hussain campbell matthews
owen palmer holmes mills barnes knight lloyd butler russell barker fisher stevens jenkins murray
dixon harvey graham pearson ahmed fletcher walsh kaur gibson howard andrews stewart elliott
reynolds saunders payne fox ford pearce day brooks west lawrence cole atkinson bradley spencer
gill dawson ball burton o'brien watts rose booth perry ryan grant wells armstrong francis rees
hayes hart hudson newman barrett webster hunter gregory carr lowe page marsh riley dunn woods
parsons berry stone reid holland hawkins harding porter robertson newton oliver reed kennedy
williamson bird gardner shah dean lane cooke bates henderson parry burgess bishop walton burns
nicholson shepherd ross cross long freeman warren nicholls hamilton byrne sutton mcdonald yates
hodgson robson curtis hopkins o'connor harper coleman watkins moss mccarthy chambers o'neill
griffin sharp hardy wheeler potter osborne johnston gordon doyle wallace george jordan hutchinson
rahman akhtar chowdhury okafor adeyemi mensah nowak kowalski wisniewski o'sullivan mcgregor
fitzgerald macdonald featherstonehaugh cholmondeley-warner ashworth-bannister
"""
)

#: Real-world variant spellings found in records (both spellings exist in the data).
VARIANTS = {
    "stephen": "steven",
    "jon": "john",
    "smyth": "smith",
    "thomson": "thompson",
    "philips": "phillips",
    "mohamed": "muhammad",
    "sofia": "sophia",
    "isobel": "isabelle",
    "grey": "gray",
    "macdonald": "mcdonald",
    "davis": "davies",
}

_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def typo(word: str, rng: random.Random) -> str:
    """One keyboard slip: a dropped, doubled, swapped or wrong letter (never at position 0)."""
    if len(word) < 4:
        return word + rng.choice("aeiou")
    i = rng.randrange(1, len(word) - 1)
    kind = rng.randrange(4)
    if kind == 0:
        return word[:i] + word[i + 1 :]
    if kind == 1:
        return word[:i] + word[i] + word[i:]
    if kind == 2:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    return word[:i] + rng.choice(_LETTERS) + word[i + 1 :]


def nhs_numbers(start: int = 999_000_000) -> Iterator[str]:
    """Valid NHS numbers from the reserved test range, in order."""
    from core.clients.nhs_number import check_digit

    stem = start
    while True:
        digits = f"{stem:09d}"
        check = check_digit(digits)
        if check is not None:
            yield digits + str(check)
        stem += 1


@dataclass
class BenchTenant:
    slug: str
    tenant_id: uuid.UUID
    membership_id: uuid.UUID
    token: str
    client_ids: list[uuid.UUID] = field(default_factory=list)
    names: list[tuple[str, str]] = field(default_factory=list)

    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def seed_tenants(app, count: int, prefix: str = "bench") -> list[BenchTenant]:
    """``count`` tenants, each with a trust organisation, one tenant admin and an API token."""
    from core.accounts import tokens
    from core.accounts.models import Organisation
    from core.extensions import db
    from core.tenancy.context import tenant_context
    from tests.factories import make_membership, make_tenant, make_user

    out = []
    with app.app_context():
        for i in range(count):
            slug = f"{prefix}-{i:03d}"
            tenant_id = make_tenant(slug)
            user_id = make_user(f"admin@{slug}.example", f"Admin of {slug}")
            with tenant_context(tenant_id):
                org = Organisation(
                    key="home", name="Home Trust", kind="trust", ods_code="RW1", partner=False
                )
                db.session.add(org)
                db.session.flush()
                membership = make_membership(user_id, org.id, ["tenant_admin"])
                _token, secret = tokens.issue(membership, "bench", 30)
                out.append(BenchTenant(slug, tenant_id, membership.id, secret))
    return out


CLIENT_COLUMNS = (
    "id",
    "tenant_id",
    "nhs_number",
    "local_id",
    "given_name",
    "family_name",
    "preferred_name",
    "date_of_birth",
    "gender_identity",
    "ethnic_category",
    "address_line_1",
    "town",
    "postcode",
    "phone",
    "email",
    "key_worker_membership_id",
    "status",
    "version",
    "created_at",
    "updated_at",
)

_GENDERS = ("1", "2", "1", "2", "3", "X", "Z")
_ETHNIC = ("A", "A", "A", "A", "B", "C", "H", "J", "M", "N", "R", "S", "Z", "99")
_TOWNS = ("Southampton", "Leeds", "Bristol", "Manchester", "Norwich", "Exeter", "Derby", "York")


def _name(rng: random.Random) -> tuple[str, str]:
    given, family = rng.choice(GIVEN), rng.choice(FAMILY)
    roll = rng.random()
    if roll < 0.04:  # a variant spelling
        rev = {v: k for k, v in VARIANTS.items()}
        given, family = rev.get(given, given), rev.get(family, family)
    elif roll < 0.07:  # a typo that made it into the record
        if rng.random() < 0.5:
            given = typo(given, rng)
        else:
            family = typo(family, rng)
    return given.title(), family.title()


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _client_rows(
    tenants: list[BenchTenant], per_tenant: int, rng: random.Random, keep_names: int
) -> Iterator[tuple]:
    now = datetime.now(UTC)
    epoch = date(1945, 1, 1)
    for tenant in tenants:
        numbers = nhs_numbers()
        for n in range(per_tenant):
            given, family = _name(rng)
            client_id = _uuid(rng)
            if len(tenant.client_ids) < keep_names:
                tenant.client_ids.append(client_id)
                tenant.names.append((given, family))
            created = now - timedelta(days=rng.randrange(2000))
            yield (
                client_id,
                tenant.tenant_id,
                next(numbers),
                f"RX{n:07d}",
                given,
                family,
                (given[:3] if rng.random() < 0.05 else None),
                epoch + timedelta(days=rng.randrange(22000)),
                rng.choice(_GENDERS),
                rng.choice(_ETHNIC),
                f"{rng.randrange(1, 200)} {rng.choice(FAMILY).title()} Road",
                rng.choice(_TOWNS),
                f"SO{rng.randrange(10, 53)} {rng.randrange(1, 10)}{rng.choice('ABDEFGHJLNP')}"
                f"{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}",
                f"07700 9{rng.randrange(10000, 99999)}",
                None,
                tenant.membership_id if rng.random() < 0.5 else None,
                "open" if rng.random() < 0.85 else "closed",
                1,
                created,
                created,
            )


def psycopg_url(sqlalchemy_url: str) -> str:
    return sqlalchemy_url.replace("postgresql+psycopg://", "postgresql://")


def copy_clients(
    admin_url: str,
    tenants: list[BenchTenant],
    per_tenant: int,
    *,
    seed: int = 4,
    keep_names: int = 2000,
    say: Callable[[str], None] = print,
) -> None:
    """COPY ``per_tenant`` clients into every tenant, as the superuser.

    The client table's secondary indexes are dropped first and recreated afterwards from their
    own definitions (``pg_get_indexdef``), so the indexes measured are exactly the migration's.
    Foreign-key triggers are skipped (``session_replication_role = replica``): the rows are
    consistent by construction. Then ANALYZE.
    """
    rng = random.Random(seed)
    started = time.perf_counter()
    with psycopg.connect(psycopg_url(admin_url), autocommit=True) as conn:
        indexes = conn.execute(
            "SELECT indexname, indexdef FROM pg_indexes i WHERE tablename = 'client' "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)"
        ).fetchall()
        for name, _definition in indexes:
            conn.execute(f'DROP INDEX "{name}"')
        with conn.transaction():
            conn.execute("SET LOCAL session_replication_role = replica")
            cols = ", ".join(CLIENT_COLUMNS)
            with conn.cursor().copy(f"COPY client ({cols}) FROM STDIN") as copy:
                for row in _client_rows(tenants, per_tenant, rng, keep_names):
                    copy.write_row(row)
        loaded = time.perf_counter()
        say(f"  COPY {per_tenant * len(tenants):,} clients: {loaded - started:.1f} s")
        conn.execute("SET maintenance_work_mem = '512MB'")
        for name, definition in indexes:
            t = time.perf_counter()
            conn.execute(definition)
            say(f"  {name}: rebuilt in {time.perf_counter() - t:.1f} s")
        conn.execute("VACUUM ANALYZE client")
        conn.execute("ANALYZE")
    say(f"  data ready in {time.perf_counter() - started:.1f} s")


def count_clients(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT count(*) FROM client")).scalar_one()
