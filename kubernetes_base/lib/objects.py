"""Small helpers on rendered Kubernetes objects (plain dicts)."""

import copy

import yaml

#: What replaces a secret value wherever objects are shown.
MASK = "********"


def describe(objects):
    """Return ``["Kind/name", ...]`` for display and logs."""
    return ["%s/%s" % (obj["kind"], obj["metadata"]["name"]) for obj in objects]


def redact(objects):
    """Return a deep copy of ``objects`` with every Secret value masked."""
    redacted = copy.deepcopy(list(objects))
    for obj in redacted:
        if obj.get("kind") != "Secret":
            continue
        for field in ("data", "stringData"):
            if isinstance(obj.get(field), dict):
                obj[field] = {key: MASK for key in obj[field]}
    return redacted


def to_redacted_yaml(objects):
    """Return the objects as one YAML stream, secret values masked."""
    return yaml.safe_dump_all(redact(objects), sort_keys=False, allow_unicode=True)


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
