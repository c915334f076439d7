"""Small helpers on rendered Kubernetes objects (plain dicts)."""

import base64
import copy

import yaml

#: What replaces a secret value wherever objects are shown.
MASK = "********"
#: Shortest string masked outside Secrets.
MIN_HIDDEN_LENGTH = 4


def describe(objects):
    """Return ``["Kind/name", ...]`` for display and logs."""
    return ["{}/{}".format(obj["kind"], obj["metadata"]["name"]) for obj in objects]


def redact(objects, hidden=()):
    """Return a deep copy of ``objects`` with secrets masked.

    Every value of a Secret is masked, and so is every occurrence, in any
    object, of a Secret's value or of a string of ``hidden`` (for example
    the values of configuration keys marked secret). Strings shorter than
    :data:`MIN_HIDDEN_LENGTH` are only masked in Secrets: masking every "1"
    would hide nothing and garble the rest.
    """
    redacted = copy.deepcopy(list(objects))
    secrets = {value for value in hidden if isinstance(value, str)}
    for obj in redacted:
        if obj.get("kind") != "Secret":
            continue
        for field in ("data", "stringData"):
            values = obj.get(field)
            if isinstance(values, dict):
                secrets.update(_secret_texts(field, values))
                obj[field] = {key: MASK for key in values}
    secrets = sorted(
        (value for value in secrets if len(value) >= MIN_HIDDEN_LENGTH),
        key=len,
        reverse=True,
    )
    return [_mask_strings(obj, secrets) for obj in redacted] if secrets else redacted


def _secret_texts(field, values):
    for value in values.values():
        if not isinstance(value, str):
            continue
        if field == "data":
            try:
                value = base64.b64decode(value, validate=True).decode("utf-8")
            except (ValueError, UnicodeDecodeError):
                continue
        yield value


def _mask_strings(node, secrets):
    if isinstance(node, dict):
        return {key: _mask_strings(value, secrets) for key, value in node.items()}
    if isinstance(node, list):
        return [_mask_strings(value, secrets) for value in node]
    if isinstance(node, str):
        for secret in secrets:
            node = node.replace(secret, MASK)
    return node


def to_redacted_yaml(objects, hidden=()):
    """Return the objects as one YAML stream, secrets masked as by
    :func:`redact`."""
    return yaml.safe_dump_all(
        redact(objects, hidden), sort_keys=False, allow_unicode=True
    )


def credentials_secret(name, namespace, labels, credentials):
    """Return the Secret that keeps an app's generated credentials.

    It is the only place the credentials live: the deployer reads it back to
    reuse them on a redeploy and to send them to the customer.
    """
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": name, "namespace": namespace, "labels": dict(labels)},
        "type": "Opaque",
        "stringData": dict(credentials),
    }
