"""Tests of the manifests shipped in kubernetes_base/data/manifests."""

import json
import pathlib
import re
import shutil
import subprocess

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
SMTP_PASSWORD = "Smtp0PassW0rdKlmnopqrsT"


def make_values(config=None, secret_config=None):
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
        "secret_config": {"SMTP_PASSWORD": SMTP_PASSWORD}
        if secret_config is None
        else secret_config,
        "secrets": {"admin_password": ADMIN_PASSWORD, "db_password": DB_PASSWORD},
        "company": {"domain": "mint-cloud.ch", "tls_issuer": "letsencrypt-prod"},
    }


def shipped_manifests():
    """Return the shipped manifests as ``(name, content)`` in apply order."""
    return [(name, (MANIFEST_DIR / name).read_text()) for name in APPLY_ORDER]


def render_shipped(config=None, secret_config=None):
    """Render every shipped manifest; return the objects by (kind, name)."""
    values = make_values(config, secret_config)
    objects = render.render_objects(shipped_manifests(), values)
    return {(obj["kind"], obj["metadata"]["name"]): obj for obj in objects}


def container(workload):
    """Return the first container of a workload's pod template."""
    return workload["spec"]["template"]["spec"]["containers"][0]


def init_container(objects):
    """Return the init container of the Odoo Deployment."""
    pod_spec = objects[("Deployment", "r4ts-int")]["spec"]["template"]["spec"]
    (init,) = pod_spec["initContainers"]
    return init


def init_script(objects):
    """Return the shell script the init container runs."""
    init = init_container(objects)
    assert init["command"] == ["/bin/bash", "-c"]
    (script,) = init["args"]
    return script


def env_sources(spec):
    """Return the ConfigMaps and Secrets a container takes its environment from."""
    return {
        (kind, ref["name"]) for item in spec["envFrom"] for kind, ref in item.items()
    }


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
        "SMTP_PASSWORD": SMTP_PASSWORD,
        "ADMIN_PASSWORD": ADMIN_PASSWORD,
        "PASSWORD": DB_PASSWORD,
        "POSTGRES_PASSWORD": DB_PASSWORD,
    }


def test_passwords_appear_only_in_the_secret(objects):
    for (kind, _name), obj in objects.items():
        text = json.dumps(obj)
        if kind == "Secret":
            continue
        for password in (ADMIN_PASSWORD, DB_PASSWORD, SMTP_PASSWORD):
            assert password not in text


def test_secret_config_goes_to_the_secret_and_config_to_the_config_map():
    objects = render_shipped(
        {"PIP_INSTALL": "fastapi"}, {"SMTP_PASSWORD": "s3cret-value", "API_KEY": "k"}
    )

    data = objects[("ConfigMap", "r4ts-int-config")]["data"]
    string_data = objects[("Secret", "r4ts-int-secret")]["stringData"]
    assert data["PIP_INSTALL"] == "fastapi"
    assert "PIP_INSTALL" not in string_data
    assert string_data["SMTP_PASSWORD"] == "s3cret-value"
    assert string_data["API_KEY"] == "k"
    assert not {"SMTP_PASSWORD", "API_KEY"} & set(data)
    assert "s3cret-value" not in json.dumps(data)


def test_secret_config_cannot_override_the_credentials():
    hostile = {"ADMIN_PASSWORD": "chosen", "PASSWORD": "x", "POSTGRES_PASSWORD": "y"}

    string_data = render_shipped(secret_config=hostile)[("Secret", "r4ts-int-secret")][
        "stringData"
    ]

    assert string_data == {
        "ADMIN_PASSWORD": ADMIN_PASSWORD,
        "PASSWORD": DB_PASSWORD,
        "POSTGRES_PASSWORD": DB_PASSWORD,
    }


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


# -- The database and the mailed admin password --------------------------------


def test_odoo_serves_only_the_app_database(objects):
    args = container(objects[("Deployment", "r4ts-int")])["args"]

    assert args[0] == "odoo"
    assert "--proxy-mode" in args
    assert "--database=r4ts-int" in args
    assert "--db-filter=^r4ts-int$" in args
    assert "--no-database-list" in args


def test_init_container_prepares_the_same_database(objects):
    deployment = objects[("Deployment", "r4ts-int")]
    odoo = container(deployment)
    init = init_container(objects)

    assert init["name"] == "init-database"
    assert init["image"] == odoo["image"] == "odoo:17.0"
    assert env_sources(init) == env_sources(odoo)
    assert init["volumeMounts"] == odoo["volumeMounts"]
    assert init["env"] == [{"name": "ODOO_DATABASE", "value": "r4ts-int"}]
    assert "--database=" + init["env"][0]["value"] in odoo["args"]


def test_init_container_gets_the_admin_password_from_the_secret_only(objects):
    init = init_container(objects)
    secret = objects[("Secret", "r4ts-int-secret")]

    assert ("secretRef", secret["metadata"]["name"]) in env_sources(init)
    assert "ADMIN_PASSWORD" in secret["stringData"]
    assert all(item["name"] != "ADMIN_PASSWORD" for item in init["env"])
    assert ADMIN_PASSWORD not in json.dumps(init)
    # the script reads it from its environment, not from an argument
    assert 'os.environ["ADMIN_PASSWORD"]' in init_script(objects)


def test_init_script_creates_the_database_once_and_sets_the_password(objects):
    script = init_script(objects)

    assert '--database "$ODOO_DATABASE" --init base' in script
    assert "--without-demo=all --stop-after-init" in script
    assert 'if [ "$base" != "installed" ]' in script
    assert 'odoo shell --database "$ODOO_DATABASE" --no-http' in script
    assert 'env.ref("base.user_admin"' in script
    assert "env.cr.commit()" in script


@pytest.mark.skipif(not shutil.which("bash"), reason="bash is not installed")
def test_init_script_is_valid_bash_and_python(objects):
    script = init_script(objects)

    subprocess.run(["bash", "-n"], input=script, text=True, check=True)
    python = re.search(r"<<'PYTHON'\n(.*)\nPYTHON\n", script, re.DOTALL)
    compile(python.group(1), "init-database", "exec")


def test_rotation_rolls_the_pods_and_so_reruns_the_init_container():
    before = render_shipped()[("Deployment", "r4ts-int")]
    values = make_values()
    values["secrets"]["admin_password"] = "An0therAdminPassw0rdXyZ"
    objects = render.render_objects(shipped_manifests(), values)
    after = next(obj for obj in objects if obj["kind"] == "Deployment")

    annotation = render.CHECKSUM_ANNOTATION
    assert (
        before["spec"]["template"]["metadata"]["annotations"][annotation]
        != after["spec"]["template"]["metadata"]["annotations"][annotation]
    )
    assert after["spec"]["template"]["spec"]["initContainers"]
