"""Masking of secrets in the objects shown on an app."""

import base64

import pytest

from odoo.addons.kubernetes_base.lib import objects

SECRET = {
    "apiVersion": "v1",
    "kind": "Secret",
    "metadata": {"name": "shop-secret"},
    "stringData": {"PASSWORD": "hunter2-long-password"},
    "data": {"TOKEN": base64.b64encode(b"encoded-token-value").decode()},
}
DEPLOYMENT = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "shop"},
    "spec": {
        "template": {
            "spec": {
                "containers": [
                    {
                        "env": [
                            {"name": "URL", "value": "pg://u:hunter2-long-password@db"},
                            {"name": "TOKEN", "value": "encoded-token-value"},
                            {"name": "REPLICAS", "value": "1"},
                        ]
                    }
                ]
            }
        }
    },
}
CONFIG = {
    "apiVersion": "v1",
    "kind": "ConfigMap",
    "metadata": {"name": "shop-config"},
    "data": {"SMTP_PASSWORD": "smtp-secret", "PIP_INSTALL": "fastapi"},
}


def test_secret_values_masked_everywhere():
    secret, deployment, config = objects.redact(
        [SECRET, DEPLOYMENT, CONFIG], hidden=["smtp-secret"]
    )
    assert secret["stringData"] == {"PASSWORD": objects.MASK}
    assert secret["data"] == {"TOKEN": objects.MASK}
    env = deployment["spec"]["template"]["spec"]["containers"][0]["env"]
    assert env[0]["value"] == f"pg://u:{objects.MASK}@db"
    assert env[1]["value"] == objects.MASK
    assert env[2]["value"] == "1"
    assert config["data"] == {"SMTP_PASSWORD": objects.MASK, "PIP_INSTALL": "fastapi"}


def test_redact_leaves_the_input_alone():
    objects.redact([SECRET, DEPLOYMENT])
    assert SECRET["stringData"]["PASSWORD"] == "hunter2-long-password"


@pytest.mark.parametrize("short", ["1", "ab", "abc"])
def test_short_hidden_values_not_masked_outside_secrets(short):
    (config,) = objects.redact([{**CONFIG, "data": {"X": short}}], hidden=[short])
    assert config["data"]["X"] == short


def test_yaml_and_describe():
    text = objects.to_redacted_yaml([SECRET, CONFIG], hidden=["smtp-secret"])
    assert "hunter2" not in text and "smtp-secret" not in text
    assert objects.describe([SECRET, CONFIG]) == [
        "Secret/shop-secret",
        "ConfigMap/shop-config",
    ]
