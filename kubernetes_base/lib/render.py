"""Turn manifest templates and an app's values into Kubernetes objects.

A manifest is YAML text with Jinja2 expressions. :func:`render_objects` renders
every manifest of a product with one app's values and returns plain dicts,
ready for a deploy backend. :func:`validate_template` checks a manifest when an
operator saves or reloads it. Nothing here imports Odoo.

Template values
    ``app`` (``name``, ``hostname``, ``namespace``, ``environment``,
    ``product``, ``login``), ``config`` (the app's config entries whose key is
    not secret, key to value), ``secret_config`` (the entries whose key is
    secret, for a Secret rather than a ConfigMap), ``secrets``
    (``admin_password``, ``db_password``) and ``company`` (``domain``,
    ``tls_issuer``). Every one is a string. A missing key is an
    error, so optional config entries are read with
    ``config.get("REVISION") or "18.0"``.

Every inserted value is one YAML scalar
    The output of each ``{{ expression }}`` is serialised as a YAML
    double-quoted scalar (strings), a plain number, ``true``/``false``/``null``,
    or a flow collection (dicts and lists). A value typed by a user therefore
    arrives as that exact string and can never add a key, a document or an
    alias, whatever it contains. The consequence for template authors: an
    expression must stand for a whole scalar, never for part of one. Write
    concatenation inside the expression, ``name: {{ app.name ~ "-config" }}``
    and ``image: {{ "odoo:" ~ tag }}``, never ``{{ app.name }}-config`` or
    ``"{{ app.name }}"``; :func:`validate_template` refuses an expression
    glued to other text. ``| tojson`` and ``| safe`` are not needed and do
    not bypass the quoting. Inside a block scalar (``|``) the quotes stay part
    of the text, so do not insert values there.

The environment
    A Jinja2 :class:`~jinja2.sandbox.ImmutableSandboxedEnvironment` (templates
    can neither reach Python internals nor modify the values), strict
    undefined, no autoescape and no loader (``include``, ``import`` and
    ``extends`` are unavailable). ``trim_blocks`` and ``lstrip_blocks`` are on:
    a ``{% for %}`` or ``{% if %}`` tag on its own line leaves no blank line
    and no indentation behind.

What the renderer enforces on the objects
    Empty documents are skipped; every other document must be a mapping with
    ``apiVersion``, ``kind`` and ``metadata.name``, and appear once.
    Cluster-scoped kinds are refused, except ``Namespace``, whose name is
    forced to the app's namespace; every other object's ``metadata.namespace``
    is forced to it. :func:`app_labels` is added to the labels of every object
    (the Namespace included, although several apps may share it and the last
    one applied names it; deleting an app selects its objects by these labels
    and spares the Namespace) and to the pod template of every workload, never
    to a selector. The pod template also carries :data:`CHECKSUM_ANNOTATION`,
    so that a change of config or secrets rolls the pods.

Restarts
    :func:`stamp_restart` marks the pod templates of an app's Deployments,
    StatefulSets and DaemonSets with the time a restart was asked, as
    ``kubectl rollout restart`` does: a new time rolls the pods even when
    nothing else changed, the same time on a later deploy rolls nothing.

Errors are :class:`~.exceptions.RenderError` naming the manifest and a line:
the template's line for Jinja errors, the rendered text's line for YAML and
object errors (the two drift apart below a line that holds only a ``{% %}``
tag, which renders to nothing, and inside loops). Secret values are masked in
every message.
"""

import datetime
import functools
import hashlib
import json
import logging
import math
import re

import jinja2
import yaml
from jinja2.sandbox import ImmutableSandboxedEnvironment

from .exceptions import RenderError

_logger = logging.getLogger(__name__)

LABEL_INSTANCE = "app.kubernetes.io/instance"
LABEL_MANAGED_BY = "app.kubernetes.io/managed-by"
MANAGED_BY = "odoo-kubernetes"
CHECKSUM_ANNOTATION = "odoo-kubernetes/config-checksum"
#: The annotation ``kubectl rollout restart`` sets on a pod template.
RESTARTED_AT_ANNOTATION = "kubectl.kubernetes.io/restartedAt"
#: Workloads whose pods roll on a template change, by (API group, kind); Jobs
#: are left out, as their pod template cannot be changed.
RESTARTABLE_KINDS = frozenset(
    {("apps", "Deployment"), ("apps", "StatefulSet"), ("apps", "DaemonSet")}
)

#: Kinds that live outside any namespace and that a manifest may not create.
#: The API server is the final judge for kinds not listed (custom resources):
#: it refuses a cluster-scoped object sent to a namespaced path.
CLUSTER_SCOPED_KINDS = frozenset(
    {
        "APIService",
        "CSIDriver",
        "CSINode",
        "CertificateSigningRequest",
        "ClusterIssuer",
        "ClusterRole",
        "ClusterRoleBinding",
        "ClusterTrustBundle",
        "ComponentStatus",
        "CustomResourceDefinition",
        "DeviceClass",
        "FlowSchema",
        "IPAddress",
        "IngressClass",
        "MutatingAdmissionPolicy",
        "MutatingAdmissionPolicyBinding",
        "MutatingWebhookConfiguration",
        "Node",
        "PersistentVolume",
        "PodSecurityPolicy",
        "PriorityClass",
        "PriorityLevelConfiguration",
        "ResourceSlice",
        "RuntimeClass",
        "SelfSubjectAccessReview",
        "SelfSubjectReview",
        "SelfSubjectRulesReview",
        "ServiceCIDR",
        "StorageClass",
        "StorageVersion",
        "SubjectAccessReview",
        "TokenReview",
        "ValidatingAdmissionPolicy",
        "ValidatingAdmissionPolicyBinding",
        "ValidatingWebhookConfiguration",
        "VolumeAttachment",
        "VolumeAttributesClass",
    }
)

#: Where the pod template sits, by (API group, kind); "" is the core group.
POD_TEMPLATE_PATHS = {
    ("apps", "Deployment"): ("spec", "template"),
    ("apps", "StatefulSet"): ("spec", "template"),
    ("apps", "DaemonSet"): ("spec", "template"),
    ("apps", "ReplicaSet"): ("spec", "template"),
    ("", "ReplicationController"): ("spec", "template"),
    ("batch", "Job"): ("spec", "template"),
    ("batch", "CronJob"): ("spec", "jobTemplate", "spec", "template"),
}

_MASK = "********"

#: The YAML loader: the safe one, in C when PyYAML was built with libyaml
#: (about ten times faster), else in Python; both read YAML 1.1 alike.
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# Characters a double-quoted YAML scalar cannot hold as they are: the quote
# and the backslash, control characters, the YAML 1.1 line breaks (NEL, LS,
# PS), the byte order mark, surrogates and the two non-characters.
_UNSAFE_CHAR = re.compile(
    r'[\\"\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff\ud800-\udfff\ufffe\uffff]'
)
_SHORT_ESCAPES = {
    "\\": "\\\\",
    '"': '\\"',
    "\0": "\\0",
    "\t": "\\t",
    "\n": "\\n",
    "\r": "\\r",
}

# After and before an expression, only what may surround a whole YAML scalar.
_ALLOWED_BEFORE = frozenset(" \t\r\n[{,")
_ALLOWED_AFTER = frozenset(" \t\r\n]},:")


def app_labels(app_name):
    """Return the labels that select every object of the app ``app_name``."""
    return {LABEL_INSTANCE: app_name, LABEL_MANAGED_BY: MANAGED_BY}


def config_checksum(values):
    """Return the sha256 hex digest of the config and secrets in ``values``.

    The digest is stable: keys are sorted, so the order of the entries does not
    change it. It reveals nothing practical about generated passwords.
    """
    payload = {
        "config": dict(values.get("config") or {}),
        "secret_config": dict(values.get("secret_config") or {}),
        "secrets": dict(values.get("secrets") or {}),
    }
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def stamp_restart(objects, restarted_at):
    """Stamp a restart time on the pod templates of the restartable workloads.

    :param objects: rendered objects, as :func:`render_objects` returns them;
        changed in place
    :param restarted_at: the time the restart was asked, a
        :class:`datetime.datetime` in UTC
    :returns: the number of pod templates stamped
    """
    stamp = restarted_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    stamped = 0
    for obj in objects:
        kind = (_api_group(obj["apiVersion"]), obj["kind"])
        if kind not in RESTARTABLE_KINDS:
            continue
        template = obj
        for key in POD_TEMPLATE_PATHS[kind]:
            template = template.get(key) if isinstance(template, dict) else None
        if not isinstance(template, dict):
            continue
        metadata = template.setdefault("metadata", {})
        metadata["annotations"] = {
            **(metadata.get("annotations") or {}),
            RESTARTED_AT_ANNOTATION: stamp,
        }
        stamped += 1
    return stamped


def validate_template(content, manifest_name):
    """Check the template syntax of a manifest; raise :class:`RenderError`.

    ``content`` is the manifest text and ``manifest_name`` names it in the
    error. Beside Jinja's own syntax, an expression glued to other text (see
    the module documentation) is refused. Nothing is rendered, so an unknown
    config key is not detected here.
    """
    try:
        _compile(content)
    except jinja2.TemplateSyntaxError as err:
        raise RenderError(err.message, manifest=manifest_name, line=err.lineno) from err


def render_objects(manifests, values):
    """Render manifests with one app's values into a list of object dicts.

    ``manifests`` is a sequence of ``(manifest_name, content)`` pairs in apply
    order; ``values`` holds ``app``, ``config``, ``secrets`` and ``company``
    (see the module documentation). The objects come back in the same order,
    with their namespace, labels and checksum set. Raises
    :class:`RenderError` for any fault of a template or of its result.
    """
    context = _template_context(values)
    app = context["app"]
    checksum = config_checksum(values)
    secret_values = [
        value
        for value in (*context["secrets"].values(), *context["secret_config"].values())
        if isinstance(value, str)
    ]

    objects = []
    seen = set()
    for manifest_name, content in manifests:
        text = _render_text(manifest_name, content, context, secret_values)
        for line, obj in _load_documents(manifest_name, text, secret_values):
            _check_object(obj, manifest_name, line)
            key = (_api_group(obj["apiVersion"]), obj["kind"], obj["metadata"]["name"])
            if key in seen:
                raise RenderError(
                    "{} {} is defined twice".format(
                        obj["kind"], obj["metadata"]["name"]
                    ),
                    manifest=manifest_name,
                    line=line,
                )
            seen.add(key)
            _place_in_namespace(obj, app["namespace"])
            _add_labels(obj, app["name"])
            _decorate_pod_template(obj, app["name"], checksum, manifest_name, line)
            objects.append(obj)

    _logger.debug("app %s: rendered %s objects", app["name"], len(objects))
    return objects


def _template_context(values):
    """Copy ``values`` into the variables a template sees, and check them."""
    context = {
        "app": dict(values.get("app") or {}),
        "config": dict(values.get("config") or {}),
        "secret_config": dict(values.get("secret_config") or {}),
        "secrets": dict(values.get("secrets") or {}),
        "company": dict(values.get("company") or {}),
    }
    for key in ("name", "namespace"):
        if not context["app"].get(key):
            raise RenderError(f"the app has no {key}")
    return context


def _render_text(manifest_name, content, context, secret_values):
    """Render one manifest template to YAML text."""
    try:
        template = _compile(content)
    except jinja2.TemplateSyntaxError as err:
        raise RenderError(
            _masked(err.message, secret_values), manifest=manifest_name, line=err.lineno
        ) from err
    try:
        return template.render(context)
    except Exception as err:  # any failure of a template is the template's
        message = str(err) or type(err).__name__
        if not isinstance(err, jinja2.TemplateError):
            message = f"{type(err).__name__}: {message}"
        raise RenderError(
            _masked(message, secret_values),
            manifest=manifest_name,
            line=_template_line(err),
        ) from err


def _load_documents(manifest_name, text, secret_values):
    """Yield ``(line, document)`` for every non-empty YAML document of ``text``.

    This is :func:`yaml.safe_load_all`, unrolled to learn the line where each
    document's content starts.
    """
    loader = YAML_LOADER(text)
    try:
        while loader.check_node():
            node = loader.get_node()
            line = node.start_mark.line + 1
            document = loader.construct_document(node)
            if document is not None:
                yield line, _json_compatible(document, manifest_name, line)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        message = " ".join(part for part in (err.context, err.problem) if part)
        raise RenderError(
            _masked(f"invalid YAML: {message}", secret_values),
            manifest=manifest_name,
            line=mark.line + 1 if mark else None,
        ) from err
    except yaml.YAMLError as err:
        raise RenderError(
            _masked(f"invalid YAML: {err}", secret_values),
            manifest=manifest_name,
        ) from err
    finally:
        loader.dispose()


def _check_object(obj, manifest_name, line):
    """Refuse a document that is not a namespaced Kubernetes object."""

    def fail(message):
        raise RenderError(message, manifest=manifest_name, line=line)

    if not isinstance(obj, dict):
        fail("a document is not a mapping")
    for key in ("apiVersion", "kind"):
        if not isinstance(obj.get(key), str) or not obj[key]:
            fail(f"an object has no {key}")
    metadata = obj.get("metadata")
    if not isinstance(metadata, dict):
        fail("{} has no metadata".format(obj["kind"]))
    if not isinstance(metadata.get("name"), str) or not metadata["name"]:
        fail("{} has no metadata.name".format(obj["kind"]))
    for key in ("labels", "annotations"):
        if metadata.get(key) is not None and not isinstance(metadata[key], dict):
            fail("metadata.{} of {} is not a mapping".format(key, metadata["name"]))
    if obj["kind"] in CLUSTER_SCOPED_KINDS:
        fail(
            "{} is cluster-scoped and cannot be deployed with an app".format(
                obj["kind"]
            )
        )


def _place_in_namespace(obj, namespace):
    """Name a Namespace after the app's namespace; put anything else in it."""
    metadata = obj["metadata"]
    if obj["kind"] == "Namespace":
        metadata["name"] = namespace
        metadata.pop("namespace", None)
    else:
        metadata["namespace"] = namespace


def _add_labels(obj, app_name):
    """Merge the app's labels into the object's own, ours winning."""
    metadata = obj["metadata"]
    metadata["labels"] = {**(metadata.get("labels") or {}), **app_labels(app_name)}


def _decorate_pod_template(obj, app_name, checksum, manifest_name, line):
    """Label a workload's pod template and stamp the config checksum on it."""
    path = POD_TEMPLATE_PATHS.get((_api_group(obj["apiVersion"]), obj["kind"]))
    if not path:
        return
    template = obj
    for key in path:
        template = template.get(key) if isinstance(template, dict) else None
    if not isinstance(template, dict):
        raise RenderError(
            "{} {} has no pod template at {}".format(
                obj["kind"], obj["metadata"]["name"], ".".join(path)
            ),
            manifest=manifest_name,
            line=line,
        )
    metadata = template.get("metadata") or {}
    if not isinstance(metadata, dict):
        raise RenderError(
            "the pod template metadata of {} is not a mapping".format(obj["kind"]),
            manifest=manifest_name,
            line=line,
        )
    for key in ("labels", "annotations"):
        if metadata.get(key) is not None and not isinstance(metadata[key], dict):
            raise RenderError(
                "the pod template {} of {} is not a mapping".format(key, obj["kind"]),
                manifest=manifest_name,
                line=line,
            )
    metadata["labels"] = {**(metadata.get("labels") or {}), **app_labels(app_name)}
    metadata["annotations"] = {
        **(metadata.get("annotations") or {}),
        CHECKSUM_ANNOTATION: checksum,
    }
    template["metadata"] = metadata


def _api_group(api_version):
    """Return the API group of ``api_version``: "apps" for "apps/v1", "" for v1."""
    return api_version.rpartition("/")[0]


def _json_compatible(value, manifest_name, line):
    """Return ``value`` with YAML-only types made JSON types, or refuse it.

    Unquoted dates become their ISO text, as Kubernetes reads them; binary
    data, sets and non-string mapping keys cannot be sent and are refused.
    """
    if isinstance(value, dict):
        result = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise RenderError(
                    f"the mapping key {key!r} is not a string; quote it",
                    manifest=manifest_name,
                    line=line,
                )
            result[key] = _json_compatible(item, manifest_name, line)
        return result
    if isinstance(value, list):
        return [_json_compatible(item, manifest_name, line) for item in value]
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    raise RenderError(
        f"a value of type {type(value).__name__} cannot be sent to Kubernetes",
        manifest=manifest_name,
        line=line,
    )


def _masked(message, secret_values):
    """Return ``message`` with every secret value replaced by a mask."""
    for secret in sorted(secret_values, key=len, reverse=True):
        if secret:
            message = message.replace(secret, _MASK)
    return message


def _template_line(error):
    """Return the template line where ``error`` was raised, or None.

    Jinja rewrites the traceback of a rendering error so that its frames in
    the template carry the template's line numbers.
    """
    line = None
    traceback = error.__traceback__
    while traceback is not None:
        if traceback.tb_frame.f_code.co_filename == "<template>":
            line = traceback.tb_lineno
        traceback = traceback.tb_next
    return getattr(error, "lineno", None) or line


# -- YAML serialisation of expression results ---------------------------------


def _escape_char(match):
    """Return the YAML escape sequence of the matched character."""
    char = match.group()
    if char in _SHORT_ESCAPES:
        return _SHORT_ESCAPES[char]
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}"


def _yaml_node(value):
    """Return ``value`` written as one YAML flow node.

    Strings become double-quoted scalars with every risky character escaped,
    numbers and booleans stay plain, None becomes ``null``, mappings and
    sequences become flow collections of such nodes. Other objects are written
    as the quoted text of ``str(value)``.
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _yaml_float(value)
    if isinstance(value, dict):
        items = (f"{_yaml_node(k)}: {_yaml_node(v)}" for k, v in value.items())
        return "{{{}}}".format(", ".join(items))
    if isinstance(value, (list, tuple)):
        return "[{}]".format(", ".join(_yaml_node(item) for item in value))
    return f'"{_UNSAFE_CHAR.sub(_escape_char, str(value))}"'


def _yaml_float(value):
    """Write a float so that a YAML 1.1 reader reads it back as that float."""
    if math.isnan(value):
        return ".nan"
    if math.isinf(value):
        return ".inf" if value > 0 else "-.inf"
    text = repr(value)
    if "." not in text:
        # PyYAML wants a dot in a float: 1e+20 would read as a string
        mantissa, _sep, exponent = text.partition("e")
        text = f"{mantissa}.0e{exponent}" if exponent else text + ".0"
    return text


# -- Compilation ---------------------------------------------------------------

_ENVIRONMENT = ImmutableSandboxedEnvironment(
    undefined=jinja2.StrictUndefined,
    autoescape=False,
    finalize=_yaml_node,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


@functools.lru_cache(maxsize=256)
def _compile(content):
    """Compile a manifest template; raise :class:`jinja2.TemplateSyntaxError`."""
    template = _ENVIRONMENT.from_string(content)
    _check_whole_scalars(content)
    return template


def _check_whole_scalars(content):
    """Refuse an expression written next to other text on its line."""
    tokens = list(_ENVIRONMENT.lex(content))
    for index, (lineno, kind, _value) in enumerate(tokens):
        if kind == "variable_begin" and index:
            before = tokens[index - 1]
            if before[1] == "variable_end":
                raise _glued(lineno)
            if (
                before[1] == "data"
                and before[2]
                and before[2][-1] not in _ALLOWED_BEFORE
            ):
                raise _glued(lineno)
        if kind == "variable_end" and index + 1 < len(tokens):
            after = tokens[index + 1]
            if after[1] == "data" and after[2] and after[2][0] not in _ALLOWED_AFTER:
                raise _glued(lineno)


def _glued(lineno):
    """Return the syntax error of an expression glued to text at ``lineno``."""
    return jinja2.TemplateSyntaxError(
        "an expression must be a whole YAML value: write the text around it "
        'inside it, e.g. {{ app.name ~ "-config" }}',
        lineno,
    )
