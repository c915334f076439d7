"""Tests of the credential generator."""

import string

import pytest

from odoo.addons.kubernetes_base.lib import secrets as app_secrets

ALPHABET = set(string.ascii_letters + string.digits)


def test_default_length_and_alphabet():
    password = app_secrets.generate_password()

    assert len(password) == 24
    assert set(password) <= ALPHABET


@pytest.mark.parametrize("length", [16, 32, 64])
def test_requested_length(length):
    assert len(app_secrets.generate_password(length)) == length


@pytest.mark.parametrize("length", [0, 8, 15])
def test_too_short_is_refused(length):
    with pytest.raises(ValueError):
        app_secrets.generate_password(length)


def test_passwords_are_unique_and_use_the_whole_alphabet():
    passwords = [app_secrets.generate_password() for _index in range(2000)]

    assert len(set(passwords)) == len(passwords)
    used = set("".join(passwords))
    assert used == ALPHABET


def test_draws_come_from_the_cryptographic_generator(monkeypatch):
    calls = []

    def fake_choice(alphabet):
        calls.append(alphabet)
        return "Q"

    monkeypatch.setattr(app_secrets.secrets, "choice", fake_choice)

    assert app_secrets.generate_password(20) == "Q" * 20
    assert len(calls) == 20


def test_generate_credentials():
    credentials = app_secrets.generate_credentials()

    assert set(credentials) == {"admin_password", "db_password"}
    assert credentials["admin_password"] != credentials["db_password"]
    for password in credentials.values():
        assert len(password) == 24
        assert set(password) <= ALPHABET
    assert app_secrets.generate_credentials() != credentials
