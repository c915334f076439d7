"""Tests of the app name, hostname and namespace rules."""

import pytest

from odoo.addons.kubernetes_base.lib import names


@pytest.mark.parametrize(
    "name",
    ["r4ts-int", "a", "ab", "a1", "shop-2", "my-odoo-app", "x" * 53, "a-b-c-1"],
)
def test_valid_app_names(name):
    assert names.app_name_problem(name) is None


@pytest.mark.parametrize(
    "name, problem",
    [
        ("", "empty"),
        (None, "empty"),
        ("x" * 54, "too_long"),
        ("R4ts", "invalid"),
        ("1app", "invalid"),
        ("-app", "invalid"),
        ("app-", "invalid"),
        ("my_app", "invalid"),
        ("my.app", "invalid"),
        ("my app", "invalid"),
        (" app", "invalid"),
        ("app\n", "invalid"),
        ("caf\u00e9", "invalid"),
        ("xn--mller-kva", "invalid"),
        ("ab--c", "invalid"),
        ("www", "reserved"),
        ("mail", "reserved"),
        ("admin", "reserved"),
        ("odoo", "reserved"),
        ("kubernetes", "reserved"),
        ("localhost", "reserved"),
    ],
)
def test_app_name_problems(name, problem):
    assert names.app_name_problem(name) == problem


def test_double_hyphen_elsewhere_is_allowed():
    assert names.app_name_problem("a--b") is None
    assert names.app_name_problem("abc--d") is None


def test_reserved_names_are_valid_labels_in_lower_case():
    for name in names.RESERVED_NAMES:
        assert name == name.lower()
        assert names.app_name_problem(name) == "reserved"
    assert {"www", "api", "admin", "test", "staging", "dev"} <= names.RESERVED_NAMES


@pytest.mark.parametrize(
    "hostname",
    [
        "r4ts-int.mint-cloud.ch",
        "a.ch",
        "1st.example.com",
        "xn--mller-kva.ch",
        "{}.{}.ch".format("a" * 63, "b" * 63),
    ],
)
def test_valid_hostnames(hostname):
    assert names.hostname_problem(hostname) is None


@pytest.mark.parametrize(
    "hostname, problem",
    [
        ("", "empty"),
        (None, "empty"),
        ("%s.ch" % ("a" * 64), "too_long"),
        (".".join(["a" * 60] * 5), "too_long"),
        ("localhost", "invalid"),
        ("R4ts.mint-cloud.ch", "invalid"),
        ("r4ts.mint-cloud.ch.", "invalid"),
        (".mint-cloud.ch", "invalid"),
        ("r4ts..ch", "invalid"),
        ("-r4ts.ch", "invalid"),
        ("r4ts-.ch", "invalid"),
        ("r4ts_int.ch", "invalid"),
        ("r4ts int.ch", "invalid"),
        ("10.0.0.1", "invalid"),
        ("caf\u00e9.ch", "invalid"),
    ],
)
def test_hostname_problems(hostname, problem):
    assert names.hostname_problem(hostname) == problem


def test_hostname_length_limit_is_253():
    labels = ["a" * 63, "b" * 63, "c" * 63, "d" * 61]
    assert len(".".join(labels)) == 253
    assert names.hostname_problem(".".join(labels)) is None
    labels[-1] += "d"
    assert names.hostname_problem(".".join(labels)) == "too_long"


@pytest.mark.parametrize(
    "partner_id, ref, env, expected",
    [
        (7, "ACME Corp.", "int", "c7-acme-corp-int"),
        (42, "M\u00fcller & S\u00f6hne AG", "prod", "c42-muller-sohne-ag-prod"),
        (3, "Stra\u00dfe 1", "dev", "c3-strasse-1-dev"),
        (5, "---", "test", "c5-test"),
        (5, "", "test", "c5-test"),
        (5, None, "test", "c5-test"),
        (9, "R4TS", "UPG", "c9-r4ts-upg"),
        (1, "\u6771\u4eac", "prod", "c1-prod"),
    ],
)
def test_namespace_name(partner_id, ref, env, expected):
    assert names.namespace_name(partner_id, ref, env) == expected


@pytest.mark.parametrize(
    "partner_id, ref, env",
    [
        (123456789, "A very long company name " * 5, "prod"),
        (1, "x" * 200, "integration-environment"),
        (1, "a-" * 40, "int"),
        (99, "ok", "e" * 80),
        (2, "Dots.and_underscores--and  spaces", "prod"),
    ],
)
def test_namespace_name_is_always_a_label(partner_id, ref, env):
    name = names.namespace_name(partner_id, ref, env)

    assert len(name) <= 63
    assert names.hostname_problem(name + ".ch") is None
    assert name.startswith(f"c{partner_id}")
    assert "--" not in name


def test_namespace_name_keeps_id_and_environment_when_truncated():
    name = names.namespace_name(31, "Z" * 100, "prod")

    assert len(name) == 63
    assert name.startswith("c31-zzz")
    assert name.endswith("-prod")


def test_namespace_name_differs_by_partner_and_environment():
    assert names.namespace_name(1, "Acme", "prod") != names.namespace_name(
        2, "Acme", "prod"
    )
    assert names.namespace_name(1, "Acme", "prod") != names.namespace_name(
        1, "Acme", "int"
    )


@pytest.mark.parametrize(
    "app_name, domain, expected",
    [
        ("r4ts-int", "mint-cloud.ch", "r4ts-int.mint-cloud.ch"),
        ("R4ts-Int", "Mint-Cloud.CH", "r4ts-int.mint-cloud.ch"),
        ("r4ts", " .mint-cloud.ch. ", "r4ts.mint-cloud.ch"),
        ("r4ts", "..mint-cloud.ch..", "r4ts.mint-cloud.ch"),
        ("r4ts", "", "r4ts"),
        ("r4ts", None, "r4ts"),
    ],
)
def test_default_hostname(app_name, domain, expected):
    assert names.default_hostname(app_name, domain) == expected


def test_default_hostname_of_a_valid_name_is_a_valid_hostname():
    hostname = names.default_hostname("x" * 53, "mint-cloud.ch")

    assert names.hostname_problem(hostname) is None
