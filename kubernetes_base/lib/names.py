"""Rules for the names an app lives under: app name, hostname, namespace.

The checks return a short problem code instead of a sentence, because the
message a user reads is written and translated on the Odoo side:

``"empty"``
    nothing was given;
``"too_long"``
    longer than the limit (:data:`MAX_APP_NAME_LENGTH` for an app name, 253
    characters or a label of more than 63 for a hostname);
``"invalid"``
    not a lower-case DNS-1123 label (app name) or DNS name (hostname);
``"reserved"``
    an app name kept for the company's own services (:data:`RESERVED_NAMES`).

An app name becomes the first label of the app's hostname and the name of its
Kubernetes objects, to which suffixes such as ``-config`` are appended; hence
the limit of 53 rather than 63. An app name with ``--`` in third and fourth
place is refused, as DNS keeps that form for encoded international names
(``xn--``); a hostname may be such an encoded name.
"""

import re
import unicodedata

MAX_APP_NAME_LENGTH = 53
MAX_LABEL_LENGTH = 63
MAX_HOSTNAME_LENGTH = 253

#: App names that would shadow a service of the hosting company itself, or
#: that customers would mistake for one.
RESERVED_NAMES = frozenset(
    {
        "about",
        "account",
        "accounts",
        "admin",
        "administrator",
        "api",
        "app",
        "apps",
        "assets",
        "auth",
        "autoconfig",
        "autodiscover",
        "billing",
        "blog",
        "cdn",
        "cloud",
        "cluster",
        "console",
        "dashboard",
        "demo",
        "dev",
        "dns",
        "docs",
        "download",
        "email",
        "ftp",
        "git",
        "help",
        "helpdesk",
        "host",
        "hostmaster",
        "imap",
        "info",
        "ingress",
        "internal",
        "k8s",
        "kube",
        "kubernetes",
        "ldap",
        "localhost",
        "login",
        "mail",
        "master",
        "media",
        "monitoring",
        "mx",
        "my",
        "ns",
        "ns1",
        "ns2",
        "ns3",
        "ns4",
        "odoo",
        "pop",
        "pop3",
        "portal",
        "postmaster",
        "prod",
        "production",
        "registry",
        "root",
        "secure",
        "security",
        "shop",
        "smtp",
        "sso",
        "staging",
        "static",
        "status",
        "store",
        "support",
        "sysadmin",
        "system",
        "test",
        "vpn",
        "webmail",
        "webmaster",
        "wiki",
        "www",
    }
)

_APP_NAME = re.compile(r"[a-z]([a-z0-9-]*[a-z0-9])?")
_HOST_LABEL = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?")
_NOT_SLUG = re.compile(r"[^a-z0-9]+")

# Letters that Unicode decomposition does not bring down to ASCII.
_TRANSLITERATION = str.maketrans(
    {"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "þ": "th"}
)


def app_name_problem(name):
    """Return None when ``name`` is a valid app name, else a problem code.

    The codes are ``"empty"``, ``"too_long"``, ``"invalid"`` and
    ``"reserved"``, checked in that order. The name is taken as given: trim or
    lower-case it before, if that is what the form means.
    """
    if not name:
        return "empty"
    if len(name) > MAX_APP_NAME_LENGTH:
        return "too_long"
    if not _APP_NAME.fullmatch(name) or name[2:4] == "--":
        return "invalid"
    if name in RESERVED_NAMES:
        return "reserved"
    return None


def hostname_problem(hostname):
    """Return None when ``hostname`` is a valid host name, else a problem code.

    A valid host name has at least two dot-separated lower-case DNS-1123
    labels, a top-level label that is not all digits (an IP address is not a
    host name) and no trailing dot. The codes are ``"empty"``, ``"too_long"``
    and ``"invalid"``.
    """
    if not hostname:
        return "empty"
    labels = hostname.split(".")
    if len(hostname) > MAX_HOSTNAME_LENGTH or any(
        len(label) > MAX_LABEL_LENGTH for label in labels
    ):
        return "too_long"
    if len(labels) < 2 or labels[-1].isdigit():
        return "invalid"
    if not all(_HOST_LABEL.fullmatch(label) for label in labels):
        return "invalid"
    return None


def namespace_name(partner_id, partner_ref_or_name, environment_short):
    """Return the namespace of a customer's apps in one environment.

    The rule is ``c<partner_id>-<slug>-<env>``: the partner id makes the name
    unique, the slug of the partner's reference or name makes it readable.
    The slug is the text lower-cased, accents removed, every run of other
    characters than ``a-z0-9`` turned into one hyphen, cut so that the whole
    name fits in 63 characters; it is left out, with its hyphen, when nothing
    remains. ``env`` is the environment's short name, slugged the same way.
    The result is always a valid DNS-1123 label.
    """
    prefix = f"c{int(partner_id)}"
    env = _slug(environment_short)
    suffix = f"-{env}" if env else ""
    suffix = suffix[: MAX_LABEL_LENGTH - len(prefix)].rstrip("-")
    room = MAX_LABEL_LENGTH - len(prefix) - len(suffix) - 1
    slug = _slug(partner_ref_or_name)[: max(room, 0)].rstrip("-")
    middle = f"-{slug}" if slug else ""
    return prefix + middle + suffix


def default_hostname(app_name, domain):
    """Return ``<app_name>.<domain>`` in lower case, the domain trimmed.

    Spaces and dots around the domain are removed; without a domain the app
    name alone is returned, which :func:`hostname_problem` reports.
    """
    name = (app_name or "").strip().lower()
    domain = (domain or "").strip(" \t\r\n.").lower()
    return f"{name}.{domain}" if domain else name


def _slug(text):
    """Return ``text`` as lower-case ASCII letters and digits joined by "-"."""
    text = (text or "").lower().translate(_TRANSLITERATION)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return _NOT_SLUG.sub("-", text).strip("-")
