"""UK postcodes: the published format, normalised to upper case with one space."""

from __future__ import annotations

import re

# Outward code (area + district) then inward code (sector digit + unit letters). The unit
# letters never include C, I, K, M, O or V.
_POSTCODE = re.compile(
    r"^(GIR ?0AA|"
    r"(?:[A-PR-UWYZ][0-9][0-9]?|[A-PR-UWYZ][A-HK-Y][0-9][0-9]?|"
    r"[A-PR-UWYZ][0-9][A-HJKPSTUW]|[A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRVWXY]) ?"
    r"[0-9][ABD-HJLNP-UW-Z]{2})$"
)
# NHS pseudo-postcodes: ZZ99 3VZ is "no fixed abode", ZZ99 3WZ "address not known".
_PSEUDO = re.compile(r"^ZZ99[0-9][A-Z]{2}$")


class PostcodeError(ValueError):
    pass


def normalise(value: str) -> str:
    """``so167ab`` → ``SO16 7AB``; :class:`PostcodeError` when it is not a UK postcode."""
    compact = re.sub(r"\s+", "", value or "").upper()
    if not (_POSTCODE.match(compact) or _PSEUDO.match(compact)):
        raise PostcodeError("Enter a real postcode, like SO16 7AB")
    return f"{compact[:-3]} {compact[-3:]}"
