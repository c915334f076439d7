"""Credentials generated for a new app.

Passwords come from the operating system's cryptographic generator (the
standard :mod:`secrets` module) and use ASCII letters and digits only, so they
pass unchanged through URLs, environment variables, YAML, shell commands and
mails. With 62 symbols, the default 24 characters give about 142 bits.
"""

import secrets
import string

#: The characters a generated password is drawn from.
ALPHABET = string.ascii_letters + string.digits
DEFAULT_LENGTH = 24
MIN_LENGTH = 16


def generate_password(length=DEFAULT_LENGTH):
    """Return a random password of ``length`` letters and digits.

    Raises ValueError below :data:`MIN_LENGTH` characters, too few to stand
    against guessing.
    """
    if length < MIN_LENGTH:
        raise ValueError(f"a password needs at least {MIN_LENGTH} characters")
    return "".join(secrets.choice(ALPHABET) for _index in range(length))


def generate_credentials():
    """Return fresh ``{"admin_password": ..., "db_password": ...}`` for an app."""
    return {
        "admin_password": generate_password(),
        "db_password": generate_password(),
    }
