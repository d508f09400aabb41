"""UK postcodes: normalised to upper case with one space; pseudo-postcodes accepted."""

from __future__ import annotations

import pytest

from core.clients.postcode import PostcodeError, normalise


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("SO16 7AB", "SO16 7AB"),
        ("so16 7ab", "SO16 7AB"),
        ("so167ab", "SO16 7AB"),
        ("  SO16   7AB ", "SO16 7AB"),
        ("M1 1AE", "M1 1AE"),
        ("m11ae", "M1 1AE"),
        ("B33 8TH", "B33 8TH"),
        ("CR2 6XH", "CR2 6XH"),
        ("DN55 1PT", "DN55 1PT"),
        ("W1A 0AX", "W1A 0AX"),
        ("EC1A 1BB", "EC1A 1BB"),
        ("ec1a1bb", "EC1A 1BB"),
        ("GIR 0AA", "GIR 0AA"),
        ("gir0aa", "GIR 0AA"),
    ],
)
def test_real_postcodes_are_normalised(value, expected):
    assert normalise(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("ZZ99 3VZ", "ZZ99 3VZ"), ("zz993vz", "ZZ99 3VZ"), ("ZZ99 3WZ", "ZZ99 3WZ")],
)
def test_nhs_pseudo_postcodes_are_accepted(value, expected):
    assert normalise(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "",
        "   ",
        "SO16",
        "7AB",
        "12345",
        "SO16 7A",
        "SO16 7ABC",
        "SO167 7AB",
        "QO16 7AB",  # Q never starts a postcode
        "SO16 7CB",  # C is never a unit letter
        "SO16 7AV",  # nor is V
        "SO16-7AB",
        "SO16 7AB;",
        "<script>",
        "ZZ99 3V",
        "ZZ99",
    ],
)
def test_not_postcodes_are_refused(value):
    with pytest.raises(PostcodeError) as caught:
        normalise(value)
    assert "postcode" in str(caught.value).lower()


def test_normalised_postcode_fits_the_column():
    for value in ("EC1A 1BB", "ZZ99 3VZ", "DN55 1PT"):
        assert len(normalise(value)) <= 8
