"""Tests of the manifests shipped in kubernetes_base/data/manifests."""

import json
import pathlib

import pytest

from odoo.addons.kubernetes_base.lib import render

MANIFEST_DIR = (
    pathlib.Path(__file__).resolve().parent.parent
    / "kubernetes_base"
    / "data"
    / "manifests"
)

#: The shipped manifests in the order a product applies them.
APPLY_ORDER = [
    "namespace.yaml.j2",
    "secret.yaml.j2",
    "configmap.yaml.j2",
    "postgres.yaml.j2",
    "filestore.yaml.j2",
    "deployment.yaml.j2",
    "service.yaml.j2",
    "ingress.yaml.j2",
]

ADMIN_PASSWORD = "Adm1nPassw0rdXyZabcdefGH"
DB_PASSWORD = "Db0PassW0rdQrStuvwxyzAB"


def make_values(config=None):
    """Return realistic values for the app ``r4ts-int`` of customer 7."""
    return {
        "app": {
            "name": "r4ts-int",
            "hostname": "r4ts-int.mint-cloud.ch",
            "namespace": "c7-acme-int",
            "environment": "int",
            "product": "Odoo Hosting",
            "login": "jane@acme.example",
        },
        "config": {
            "ENVIRONMENT": "int",
            "REVISION": "17.0.20241104",
            "GIT_REPOS": "OCA/web,OCA/server-tools",
            "PIP_INSTALL": "fastapi",
        }
        if config is None
        else config,
        "secrets": {"admin_password": ADMIN_PASSWORD, "db_password": DB_PASSWORD},
        "company": {"domain": "mint-cloud.ch", "tls_issuer": "letsencrypt-prod"},
    }


def shipped_manifests():
    """Return the shipped manifests as ``(name, content)`` in apply order."""
    return [(name, (MANIFEST_DIR / name).read_text()) for name in APPLY_ORDER]


def render_shipped(config=None):
    """Render every shipped manifest; return the objects by (kind, name)."""
    objects = render.render_objects(shipped_manifests(), make_values(config))
    return {(obj["kind"], obj["metadata"]["name"]): obj for obj in objects}


def container(workload):
    """Return the first container of a workload's pod template."""
    return workload["spec"]["template"]["spec"]["containers"][0]


def labels_match(selector, labels):
    """Tell whether every label of ``selector`` is in ``labels``."""
    return all(labels.get(key) == value for key, value in selector.items())


@pytest.fixture(scope="module")
def objects():
    """Objects of the shipped manifests rendered with realistic values."""
    return render_shipped()


def test_every_shipped_file_is_in_the_apply_order():
    assert sorted(path.name for path in MANIFEST_DIR.glob("*.yaml.j2")) == sorted(
        APPLY_ORDER
    )


@pytest.mark.parametrize("name", APPLY_ORDER)
def test_shipped_manifest_passes_validation(name):
    render.validate_template((MANIFEST_DIR / name).read_text(), name)


def test_rendered_objects(objects):
    assert list(objects) == [
        ("Namespace", "c7-acme-int"),
        ("Secret", "r4ts-int-secret"),
        ("ConfigMap", "r4ts-int-config"),
        ("Service", "r4ts-int-db"),
        ("StatefulSet", "r4ts-int-db"),
        ("PersistentVolumeClaim", "r4ts-int-filestore"),
        ("Deployment", "r4ts-int"),
        ("Service", "r4ts-int"),
        ("Ingress", "r4ts-int"),
    ]


def test_namespace_and_labels_on_every_object(objects):
    labels = render.app_labels("r4ts-int")
    for (kind, _name), obj in objects.items():
        if kind != "Namespace":
            assert obj["metadata"]["namespace"] == "c7-acme-int"
        for key, value in labels.items():
            assert obj["metadata"]["labels"][key] == value


def test_pod_templates_carry_labels_and_checksum(objects):
    checksum = render.config_checksum(make_values())
    for key in (("Deployment", "r4ts-int"), ("StatefulSet", "r4ts-int-db")):
        workload = objects[key]
        metadata = workload["spec"]["template"]["metadata"]
        assert metadata["annotations"][render.CHECKSUM_ANNOTATION] == checksum
        assert metadata["labels"][render.LABEL_INSTANCE] == "r4ts-int"
        selector = workload["spec"]["selector"]["matchLabels"]
        assert selector[render.LABEL_INSTANCE] == "r4ts-int"
        assert labels_match(selector, metadata["labels"])


def test_config_change_changes_the_checksum():
    before = render_shipped()[("Deployment", "r4ts-int")]
    config = dict(make_values()["config"], PIP_INSTALL="fastapi requests")
    after = render_shipped(config)[("Deployment", "r4ts-int")]

    annotation = render.CHECKSUM_ANNOTATION
    assert (
        before["spec"]["template"]["metadata"]["annotations"][annotation]
        != after["spec"]["template"]["metadata"]["annotations"][annotation]
    )


def test_selectors_pick_only_their_own_pods(objects):
    odoo_pods = objects[("Deployment", "r4ts-int")]["spec"]["template"]
    db_pods = objects[("StatefulSet", "r4ts-int-db")]["spec"]["template"]
    odoo_selector = objects[("Service", "r4ts-int")]["spec"]["selector"]
    db_selector = objects[("Service", "r4ts-int-db")]["spec"]["selector"]

    assert labels_match(odoo_selector, odoo_pods["metadata"]["labels"])
    assert not labels_match(odoo_selector, db_pods["metadata"]["labels"])
    assert labels_match(db_selector, db_pods["metadata"]["labels"])
    assert not labels_match(db_selector, odoo_pods["metadata"]["labels"])
    deployment_selector = objects[("Deployment", "r4ts-int")]["spec"]["selector"]
    assert not labels_match(
        deployment_selector["matchLabels"], db_pods["metadata"]["labels"]
    )


def test_config_map_holds_config_and_database(objects):
    data = objects[("ConfigMap", "r4ts-int-config")]["data"]

    assert data == {
        "ENVIRONMENT": "int",
        "REVISION": "17.0.20241104",
        "GIT_REPOS": "OCA/web,OCA/server-tools",
        "PIP_INSTALL": "fastapi",
        "HOST": "r4ts-int-db",
        "PORT": "5432",
        "USER": "odoo",
    }
    assert ("Service", data["HOST"]) in objects


def test_config_cannot_override_the_database_host():
    objects = render_shipped({"HOST": "elsewhere", "PORT": "1"})

    data = objects[("ConfigMap", "r4ts-int-config")]["data"]
    assert (data["HOST"], data["PORT"]) == ("r4ts-int-db", "5432")


def test_secret_holds_the_credentials(objects):
    secret = objects[("Secret", "r4ts-int-secret")]

    assert secret["type"] == "Opaque"
    assert secret["stringData"] == {
        "ADMIN_PASSWORD": ADMIN_PASSWORD,
        "PASSWORD": DB_PASSWORD,
        "POSTGRES_PASSWORD": DB_PASSWORD,
    }


def test_passwords_appear_only_in_the_secret(objects):
    for (kind, _name), obj in objects.items():
        text = json.dumps(obj)
        if kind == "Secret":
            continue
        assert ADMIN_PASSWORD not in text
        assert DB_PASSWORD not in text


def test_postgres_statefulset(objects):
    statefulset = objects[("StatefulSet", "r4ts-int-db")]
    postgres = container(statefulset)

    assert statefulset["spec"]["serviceName"] == "r4ts-int-db"
    assert postgres["image"] == "postgres:16"
    assert "pg_isready" in postgres["readinessProbe"]["exec"]["command"]
    (claim,) = statefulset["spec"]["volumeClaimTemplates"]
    assert claim["spec"]["resources"]["requests"]["storage"] == "5Gi"
    assert postgres["volumeMounts"][0]["name"] == claim["metadata"]["name"]
    env = {item["name"]: item for item in postgres["env"]}
    reference = env["POSTGRES_PASSWORD"]["valueFrom"]["secretKeyRef"]
    secret = objects[("Secret", reference["name"])]
    assert reference["key"] in secret["stringData"]
    assert env["POSTGRES_USER"]["value"] == "odoo"
    service = objects[("Service", "r4ts-int-db")]
    assert service["spec"]["clusterIP"] == "None"
    assert service["spec"]["ports"][0]["port"] == 5432


def test_filestore_claim(objects):
    claim = objects[("PersistentVolumeClaim", "r4ts-int-filestore")]

    assert claim["spec"]["resources"]["requests"]["storage"] == "10Gi"
    assert claim["spec"]["accessModes"] == ["ReadWriteOnce"]


def test_odoo_deployment(objects):
    deployment = objects[("Deployment", "r4ts-int")]
    odoo = container(deployment)
    pod_spec = deployment["spec"]["template"]["spec"]

    assert deployment["spec"]["replicas"] == 1
    assert deployment["spec"]["strategy"] == {"type": "Recreate"}
    assert odoo["image"] == "odoo:17.0"
    assert (
        deployment["metadata"]["annotations"]["odoo-kubernetes/revision"]
        == "17.0.20241104"
    )
    sources = {
        (kind, ref["name"]) for item in odoo["envFrom"] for kind, ref in item.items()
    }
    assert sources == {
        ("configMapRef", "r4ts-int-config"),
        ("secretRef", "r4ts-int-secret"),
    }
    ports = {port["name"]: port["containerPort"] for port in odoo["ports"]}
    for probe in ("readinessProbe", "livenessProbe"):
        assert odoo[probe]["httpGet"]["path"] == "/web/health"
        assert ports[odoo[probe]["httpGet"]["port"]] == 8069
    assert odoo["resources"]["requests"] and odoo["resources"]["limits"]
    (volume,) = pod_spec["volumes"]
    claim_name = volume["persistentVolumeClaim"]["claimName"]
    assert ("PersistentVolumeClaim", claim_name) in objects
    assert odoo["volumeMounts"] == [
        {"name": volume["name"], "mountPath": "/var/lib/odoo"}
    ]


@pytest.mark.parametrize(
    "config, image",
    [
        ({}, "odoo:18.0"),
        ({"REVISION": ""}, "odoo:18.0"),
        ({"REVISION": "18.0"}, "odoo:18.0"),
        ({"REVISION": "16.0.20230101"}, "odoo:16.0"),
    ],
)
def test_image_follows_the_revision(config, image):
    objects = render_shipped(config)

    assert container(objects[("Deployment", "r4ts-int")])["image"] == image


def test_service_reaches_odoo(objects):
    service = objects[("Service", "r4ts-int")]

    (port,) = service["spec"]["ports"]
    assert (port["name"], port["port"], port["targetPort"]) == ("http", 8069, "http")


def test_ingress(objects):
    ingress = objects[("Ingress", "r4ts-int")]
    spec = ingress["spec"]

    assert ingress["apiVersion"] == "networking.k8s.io/v1"
    assert spec["ingressClassName"] == "nginx"
    assert (
        ingress["metadata"]["annotations"]["cert-manager.io/cluster-issuer"]
        == "letsencrypt-prod"
    )
    assert spec["tls"] == [
        {"hosts": ["r4ts-int.mint-cloud.ch"], "secretName": "r4ts-int-tls"}
    ]
    (rule,) = spec["rules"]
    assert rule["host"] == "r4ts-int.mint-cloud.ch"
    backend = rule["http"]["paths"][0]["backend"]["service"]
    service = objects[("Service", backend["name"])]
    assert backend["port"]["name"] in {p["name"] for p in service["spec"]["ports"]}


@pytest.mark.parametrize(
    "hostile",
    ["x\nkind: ClusterRole", "yes", "0755", "{{ 7*7 }}", "a: b", "*alias"],
)
def test_hostile_config_changes_no_object(hostile):
    reference = render_shipped()
    config = {"ENVIRONMENT": hostile, "REVISION": hostile, "PIP_INSTALL": hostile}

    objects = render_shipped(config)

    assert list(objects) == list(reference)
    data = objects[("ConfigMap", "r4ts-int-config")]["data"]
    assert data["ENVIRONMENT"] == data["PIP_INSTALL"] == hostile
    assert sorted(data) == sorted(
        ["ENVIRONMENT", "REVISION", "PIP_INSTALL", "HOST", "PORT", "USER"]
    )
