"""Tenant files: every mistake is reported as ``<file>: <key>: <problem>`` (no database)."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.plugins.api import PluginInfo
from core.tenancy.registry import TenantFileError, load_directory, parse_file
from tests.plugins.canary import INFO as CANARY

PLAIN = PluginInfo(name="plain", title="Plain", summary="A plugin without settings.")
INSTALLED = {"canary": CANARY, "plain": PLAIN}

VALID = """
slug = "{slug}"
name = "Wessex Partnership NHS Foundation Trust"
ods_code = "RW1"
status = "active"

[plugins.canary]
greeting = "hi"
volume = 11

[plugins.plain]

[[organisations]]
key = "wessex-trust"
name = "Wessex Partnership NHS Foundation Trust"
kind = "trust"
ods_code = "RW1"

[[organisations]]
key = "jcp-southampton"
name = "Job Centre Plus Southampton"
kind = "job_centre_plus"
active = false
"""

MINIMAL = 'slug = "{slug}"\nname = "A trust"\n'


def write(directory: Path, stem: str, text: str) -> Path:
    path = directory / f"{stem}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(path: Path, installed: dict | None = None) -> list[str]:
    problems: list[str] = []
    spec = parse_file(path, INSTALLED if installed is None else installed, problems)
    if problems:
        assert spec is None
    return problems


def only_problem(path: Path, installed: dict | None = None) -> str:
    problems = problems_of(path, installed)
    assert len(problems) == 1, problems
    return problems[0]


def test_parse_file_reads_every_field_when_file_is_valid(tmp_path):
    path = write(tmp_path, "wessex", VALID.format(slug="wessex"))
    problems: list[str] = []
    spec = parse_file(path, INSTALLED, problems)
    assert problems == []
    assert spec is not None
    assert (spec.slug, spec.name, spec.ods_code, spec.status) == (
        "wessex",
        "Wessex Partnership NHS Foundation Trust",
        "RW1",
        "active",
    )
    assert spec.source_file == "wessex.toml"
    assert spec.plugins == {"canary": {"greeting": "hi", "volume": 11}, "plain": {}}
    assert [(o.key, o.kind, o.ods_code, o.active) for o in spec.organisations] == [
        ("wessex-trust", "trust", "RW1", True),
        ("jcp-southampton", "job_centre_plus", None, False),
    ]


def test_parse_file_fills_plugin_defaults_when_settings_are_left_out(tmp_path):
    path = write(tmp_path, "wessex", MINIMAL.format(slug="wessex") + "[plugins.canary]\n")
    problems: list[str] = []
    spec = parse_file(path, INSTALLED, problems)
    assert problems == []
    assert spec is not None
    assert spec.plugins == {"canary": {"greeting": "hello", "volume": 3}}


def test_load_directory_returns_every_tenant_when_all_files_are_valid(tmp_path):
    write(tmp_path, "wessex", VALID.format(slug="wessex"))
    write(tmp_path, "solent", MINIMAL.format(slug="solent"))
    (tmp_path / "README.md").write_text("not a tenant")
    specs = load_directory(tmp_path, INSTALLED)
    assert sorted(s.slug for s in specs) == ["solent", "wessex"]


def test_parse_file_reports_file_when_toml_is_invalid(tmp_path):
    path = write(tmp_path, "wessex", 'slug = "wessex"\nname = \n')
    problem = only_problem(path)
    assert problem.startswith(f"{path}: ")
    assert "not valid TOML" in problem


def test_parse_file_reports_key_when_top_level_key_is_unknown(tmp_path):
    path = write(tmp_path, "wessex", MINIMAL.format(slug="wessex") + 'colour = "blue"\n')
    assert only_problem(path) == f"{path}: colour: unknown key"


@pytest.mark.parametrize("slug", ["Wessex", "1wessex", "w", "wessex_trust", "wessex-", "a" * 41])
def test_parse_file_reports_slug_when_it_is_malformed(tmp_path, slug):
    path = write(tmp_path, slug, MINIMAL.format(slug=slug))
    problem = only_problem(path)
    assert problem.startswith(f"{path}: slug: ")
    assert "lower-case letters" in problem


def test_parse_file_reports_slug_when_it_is_missing(tmp_path):
    path = write(tmp_path, "wessex", 'name = "A trust"\n')
    assert only_problem(path).startswith(f"{path}: slug: required")


@pytest.mark.parametrize("slug", ["api", "static", "sign-in", "healthz", "admin", "docs"])
def test_parse_file_reports_slug_when_it_is_reserved(tmp_path, slug):
    path = write(tmp_path, slug, MINIMAL.format(slug=slug))
    problem = only_problem(path)
    assert problem.startswith(f"{path}: slug: ")
    assert "reserved" in problem


def test_parse_file_reports_slug_when_it_differs_from_file_name(tmp_path):
    path = write(tmp_path, "wessex", MINIMAL.format(slug="solent"))
    problem = only_problem(path)
    assert problem.startswith(f"{path}: slug: 'solent'")
    assert "wessex.toml" in problem


def test_load_directory_reports_both_files_when_slug_is_duplicated(tmp_path, monkeypatch):
    first = write(tmp_path, "wessex", MINIMAL.format(slug="wessex"))
    # The file-name rule already keeps slugs unique within one directory; the duplicate check
    # is a second line of defence, shown here with a parser that lets the file name differ.
    second = write(tmp_path, "wessex-copy", MINIMAL.format(slug="wessex"))
    import core.tenancy.registry as registry

    real_parse = registry.parse_file

    def lenient(path, installed, problems):
        found: list[str] = []
        spec = real_parse(path, installed, found)
        if spec is None and all("must match the file name" in p for p in found):
            from core.tenancy.registry import TenantSpec

            return TenantSpec(slug="wessex", name="A trust", source_file=path.name)
        problems.extend(found)
        return spec

    monkeypatch.setattr(registry, "parse_file", lenient)
    with pytest.raises(TenantFileError) as caught:
        load_directory(tmp_path, INSTALLED)
    assert len(caught.value.problems) == 1
    problem = caught.value.problems[0]
    # Whichever file is read second is reported, naming the first.
    assert problem.startswith((f"{first}: slug: 'wessex'", f"{second}: slug: 'wessex'"))
    assert str(first) in problem
    assert str(second) in problem
    assert "already used" in problem


def test_load_directory_reports_every_problem_of_every_file_at_once(tmp_path):
    write(tmp_path, "good", MINIMAL.format(slug="good"))
    bad_one = write(tmp_path, "bad-one", MINIMAL.format(slug="bad-one") + "x = 1\n")
    bad_two = write(tmp_path, "bad-two", MINIMAL.format(slug="other"))
    with pytest.raises(TenantFileError) as caught:
        load_directory(tmp_path, INSTALLED)
    problems = caught.value.problems
    assert len(problems) == 2
    assert any(p.startswith(f"{bad_one}: x: ") for p in problems)
    assert any(p.startswith(f"{bad_two}: slug: ") for p in problems)
    assert str(caught.value).splitlines() == problems


def test_load_directory_reports_directory_when_it_does_not_exist(tmp_path):
    with pytest.raises(TenantFileError, match="no such directory"):
        load_directory(tmp_path / "missing", INSTALLED)


def test_parse_file_reports_plugin_when_it_is_not_installed(tmp_path):
    path = write(tmp_path, "wessex", MINIMAL.format(slug="wessex") + "[plugins.ips]\n")
    problem = only_problem(path)
    assert problem.startswith(f"{path}: plugins.ips: unknown plugin")
    assert "canary" in problem  # names what is installed


def test_parse_file_reports_plugin_setting_when_value_is_out_of_range(tmp_path):
    path = write(
        tmp_path, "wessex", MINIMAL.format(slug="wessex") + "[plugins.canary]\nvolume = 99\n"
    )
    problem = only_problem(path)
    assert problem.startswith(f"{path}: plugins.canary.volume: ")
    assert "between 1 and 11" in problem or "less than or equal to 11" in problem


def test_parse_file_reports_plugin_setting_when_key_is_unknown(tmp_path):
    text = MINIMAL.format(slug="wessex") + '[plugins.canary]\ncolour = "red"\n'
    path = write(tmp_path, "wessex", text)
    assert only_problem(path).startswith(f"{path}: plugins.canary.colour: ")


def test_parse_file_reports_plugin_setting_when_greeting_is_too_long(tmp_path):
    text = MINIMAL.format(slug="wessex") + f'[plugins.canary]\ngreeting = "{"x" * 41}"\n'
    path = write(tmp_path, "wessex", text)
    assert only_problem(path).startswith(f"{path}: plugins.canary.greeting: ")


def test_parse_file_reports_plugin_when_it_takes_no_settings_but_is_given_one(tmp_path):
    path = write(tmp_path, "wessex", MINIMAL.format(slug="wessex") + "[plugins.plain]\nspeed = 3\n")
    problem = only_problem(path)
    assert problem.startswith(f"{path}: plugins.plain: ")
    assert "takes no settings" in problem
    assert "speed" in problem


def test_parse_file_leaves_plugin_off_when_table_says_enabled_false(tmp_path):
    text = MINIMAL.format(slug="wessex") + "[plugins.canary]\nenabled = false\nvolume = 99\n"
    path = write(tmp_path, "wessex", text)
    problems: list[str] = []
    spec = parse_file(path, INSTALLED, problems)
    assert problems == []
    assert spec is not None
    assert spec.plugins == {}


def test_parse_file_enables_plugin_when_table_says_enabled_true(tmp_path):
    text = MINIMAL.format(slug="wessex") + "[plugins.canary]\nenabled = true\n"
    path = write(tmp_path, "wessex", text)
    problems: list[str] = []
    spec = parse_file(path, INSTALLED, problems)
    assert problems == []
    assert spec is not None
    assert set(spec.plugins) == {"canary"}


def _with_orgs(slug: str, *orgs: str) -> str:
    return MINIMAL.format(slug=slug) + "".join(f"\n[[organisations]]\n{o}\n" for o in orgs)


def test_parse_file_reports_organisation_kind_when_it_is_unknown(tmp_path):
    text = _with_orgs("wessex", 'key = "home"\nname = "Home"\nkind = "hospice"')
    path = write(tmp_path, "wessex", text)
    problem = only_problem(path)
    assert problem.startswith(f"{path}: organisations[0].kind: 'hospice' is not one of")
    assert "job_centre_plus" in problem


def test_parse_file_reports_organisation_key_when_it_is_used_twice(tmp_path):
    text = _with_orgs(
        "wessex",
        'key = "home"\nname = "Home"\nkind = "trust"',
        'key = "home"\nname = "Other"\nkind = "employer"',
    )
    path = write(tmp_path, "wessex", text)
    assert only_problem(path) == f"{path}: organisations[1].key: 'home' is used twice in this file"


@pytest.mark.parametrize("ods", ["rw1", "R1", "RW1-X", "ABCDEFGHIJ", 123])
def test_parse_file_reports_organisation_ods_code_when_it_is_malformed(tmp_path, ods):
    value = f'"{ods}"' if isinstance(ods, str) else str(ods)
    text = _with_orgs("wessex", f'key = "home"\nname = "Home"\nkind = "trust"\nods_code = {value}')
    path = write(tmp_path, "wessex", text)
    problem = only_problem(path)
    assert problem.startswith(f"{path}: organisations[0].ods_code: ")
    assert "upper-case" in problem


def test_parse_file_reports_organisation_key_when_it_is_unknown(tmp_path):
    text = _with_orgs("wessex", 'key = "home"\nname = "Home"\nkind = "trust"\ncolour = "red"')
    path = write(tmp_path, "wessex", text)
    assert only_problem(path) == f"{path}: organisations[0].colour: unknown key"


def test_parse_file_reports_organisation_fields_when_they_are_missing(tmp_path):
    path = write(tmp_path, "wessex", _with_orgs("wessex", 'name = "Home"'))
    problems = problems_of(path)
    assert any(p.startswith(f"{path}: organisations[0].key: required") for p in problems)
    assert any(p.startswith(f"{path}: organisations[0].kind: ") for p in problems)


def test_parse_file_reports_tenant_fields_when_values_are_wrong(tmp_path):
    text = 'slug = "wessex"\nname = ""\nods_code = "rw1"\nstatus = "closed"\n'
    path = write(tmp_path, "wessex", text)
    problems = problems_of(path)
    assert sorted(p.split(": ")[1] for p in problems) == ["name", "ods_code", "status"]
    assert all(p.startswith(f"{path}: ") for p in problems)


@pytest.mark.parametrize(
    ("kind", "expected"),
    [("trust", False), ("job_centre_plus", True), ("housing_provider", True)],
)
def test_parse_file_defaults_partner_flag_from_kind_when_left_out(tmp_path, kind, expected):
    path = write(
        tmp_path, "wessex", _with_orgs("wessex", f'key = "o"\nname = "O"\nkind = "{kind}"')
    )
    problems: list[str] = []
    spec = parse_file(path, INSTALLED, problems)
    assert problems == []
    assert spec is not None
    assert spec.organisations[0].partner is expected


def test_parse_file_keeps_explicit_partner_flag_when_given(tmp_path):
    text = _with_orgs(
        "wessex",
        'key = "hh"\nname = "Harbour Housing"\nkind = "housing_provider"\npartner = false',
        'key = "wards"\nname = "Wards"\nkind = "trust"\npartner = true',
    )
    problems: list[str] = []
    spec = parse_file(write(tmp_path, "wessex", text), INSTALLED, problems)
    assert problems == []
    assert spec is not None
    assert [(o.key, o.partner) for o in spec.organisations] == [("hh", False), ("wards", True)]


def test_parse_file_reports_partner_flag_when_it_is_not_a_boolean(tmp_path):
    text = _with_orgs("wessex", 'key = "o"\nname = "O"\nkind = "trust"\npartner = "no"')
    path = write(tmp_path, "wessex", text)
    assert only_problem(path) == f"{path}: organisations[0].partner: true or false"
