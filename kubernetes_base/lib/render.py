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

Every inserted value stays one value
    The output of an ``{{ expression }}`` never enters the YAML text. The
    renderer writes a placeholder there (a number between two private-use
    characters, which a template may not contain), parses the YAML, and puts
    the value itself in the placeholder's place in the parsed objects. A value
    typed by a user therefore arrives as that exact string (or number,
    boolean, null, mapping or list, as the expression returns it) and can
    never add a key, a document or an alias, whatever it contains.

    The consequence for template authors: an expression must stand for a
    whole YAML value, never for part of one. Write concatenation inside the
    expression, ``name: {{ app.name ~ "-config" }}`` and
    ``image: {{ "odoo:" ~ tag }}``, never ``{{ app.name }}-config`` or
    ``"{{ app.name }}"``. ``| tojson`` and ``| safe`` are not needed. Two
    checks enforce this:

    * :func:`validate_template` reads the template and refuses an expression
      glued to other text, looking past tags and comments to the nearest text
      on each side; an expression inside a ``{% filter %}`` block (the filter
      would not reach the value); and one inside a ``{% set %}`` block (its
      output would be captured instead of written).
    * Rendering checks the output, whatever tags, loops, macros or whitespace
      control produced it: every placeholder must reach the text once and in
      order, and every placeholder the YAML reads must be a whole scalar, not
      part of a longer one, of a quoted string or of a block scalar (one in a
      comment goes with the comment). So an expression cannot sit in a macro
      called inside ``{{ }}`` either: the macro's text would be inserted as
      one string, and the outputs of its own expressions would be lost.

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

Mapping keys
    A key must be a string: a plain ``8080:`` or ``yes:`` in the template is
    refused (quote it), and so is an expression used as a key whose output is
    not a string. Keys that become equal once the expressions are inserted
    (``{{ config.LABEL }}: x`` beside the template's own
    ``app.kubernetes.io/name: odoo``) are refused rather than letting the
    last one win; a template that lists config entries beside keys of its
    own leaves those names out of its loop, as the shipped ConfigMap and
    Secret do.

Errors are :class:`~.exceptions.RenderError` naming the manifest and a line:
the template's line for Jinja errors and for an expression whose output never
reached the text; the rendered text's line for YAML and object errors, for a
mapping key and for an expression that is part of a longer value or whose
output cannot be used (the two drift apart below a line that holds only a
``{% %}`` tag, which renders to nothing, and inside loops). No message quotes
an expression's output other than a key given twice, and secret values are
masked in every message.
"""

import contextvars
import datetime
import functools
import hashlib
import json
import logging
import re
import sys

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

# An expression's output in the rendered text: its number between two characters
# of Unicode's private use area, which a template may not contain.
_OPEN = "\ue000"
_CLOSE = "\ue001"
_PLACEHOLDER = re.compile(f"{_OPEN}([0-9]+){_CLOSE}")
# Those characters, or their escapes in YAML or in Jinja strings, in a template.
_PRIVATE = re.compile(f"[{_OPEN}{_CLOSE}]" + r"|\\(?:u|U0000)[eE]00[01]")

# After and before an expression, only what may surround a whole YAML scalar.
_ALLOWED_BEFORE = frozenset(" \t\r\n[{,")
_ALLOWED_AFTER = frozenset(" \t\r\n]},:")

# Tags the template check looks through to find an expression's neighbours:
# they write nothing, and the text on their far side can end up next to the
# expression. At any other tag (else, elif, macro, call, filter, a set block)
# it stops, and leaves the question to the check of the rendered text.
_TRANSPARENT_TAGS = frozenset(
    {
        "if",
        "endif",
        "for",
        "endfor",
        "with",
        "endwith",
        "autoescape",
        "endautoescape",
        "block",
        "endblock",
        "set",
    }
)

_GLUED = (
    "an expression must be a whole YAML value: write the text around it "
    'inside it, e.g. {{ app.name ~ "-config" }}'
)
_LOST = (
    "the output of this expression did not reach the manifest where it was "
    "written: an expression cannot sit in a {% set %} block or in a macro "
    "called inside {{ }}"
)
_IN_FILTER = (
    "a {% filter %} block cannot hold an expression, as its filter would not "
    "reach the value: filter inside the expression, e.g. "
    "{{ config.NAME | upper }}"
)
_IN_SET = (
    "a {% set %} block cannot hold an expression: set the variable with "
    "{% set name = ... %} and insert it with {{ name }}"
)
_PRIVATE_CHARACTER = (
    "a manifest may not contain the characters U+E000 and U+E001, nor their escapes"
)
_KEY_NOT_TEXT = "an expression used as a mapping key must give a string"
_INSERTED_KEY_NOT_TEXT = "an expression gave a mapping whose keys are not all strings"
_STRING_TAG = "tag:yaml.org,2002:str"


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
    error. Beside Jinja's own syntax, an expression glued to other text or
    inside a ``{% filter %}`` or ``{% set %}`` block is refused (see the module
    documentation). Nothing is rendered, so an unknown config key, or an
    expression that only the rendered text shows to be misplaced, is not
    detected here.
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
        text, inserted = _render_text(manifest_name, content, context, secret_values)
        try:
            for line, obj in _load_documents(manifest_name, text, inserted):
                _check_object(obj, manifest_name, line)
                _check_unique(obj, seen, manifest_name, line)
                _place_in_namespace(obj, app["namespace"])
                _add_labels(obj, app["name"])
                _decorate_pod_template(obj, app["name"], checksum, manifest_name, line)
                objects.append(obj)
        except RenderError as err:
            # Past this point any part of a message, a YAML excerpt, a key or
            # an object's kind or name, may come from a secret value.
            raise RenderError(
                _masked(err.reason, secret_values),
                manifest=err.manifest,
                line=err.line,
            ) from err

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
    """Render one manifest template; return its text and the inserted values.

    The text holds a placeholder wherever an expression's output goes; the
    list holds the outputs, indexed by placeholder number (see :func:`_insert`).
    """
    try:
        template = _compile(content)
    except jinja2.TemplateSyntaxError as err:
        raise RenderError(
            _masked(err.message, secret_values), manifest=manifest_name, line=err.lineno
        ) from err
    insertions = _Insertions()
    token = _INSERTIONS.set(insertions)
    try:
        text = template.render(context)
    except Exception as err:  # any failure of a template is the template's
        message = str(err) or type(err).__name__
        if not isinstance(err, jinja2.TemplateError):
            message = f"{type(err).__name__}: {message}"
        raise RenderError(
            _masked(message, secret_values),
            manifest=manifest_name,
            line=_template_line(err),
        ) from err
    finally:
        _INSERTIONS.reset(token)
    _check_placeholders(text, insertions, template, manifest_name)
    return text, insertions.values


def _check_placeholders(text, insertions, template, manifest_name):
    """Refuse a text where an output is missing, repeated or out of order.

    Expressions write their placeholders in the order they run. One that is
    missing was captured on the way (a ``{% set %}`` block, a macro called
    inside ``{{ }}``): the error names the template line of that expression.
    """
    found = _PLACEHOLDER.findall(text)
    count = len(insertions.values)
    if len(found) == count and found == [str(index) for index in range(count)]:
        return
    index = next(
        (i for i, number in enumerate(found) if number != str(i)),
        min(len(found), count),
    )
    if index < count:
        code_line = insertions.line(index)
        line = template.get_corresponding_lineno(code_line) if code_line else None
    else:
        extra = list(_PLACEHOLDER.finditer(text))[index]
        line = _text_line(text, extra.start())
    raise RenderError(_LOST, manifest=manifest_name, line=line)


def _load_documents(manifest_name, text, inserted):
    """Yield ``(line, document)`` for every non-empty YAML document of ``text``.

    This is :func:`yaml.safe_load_all`, unrolled to learn the line where each
    document's content starts; each document comes with the values of
    ``inserted`` in place of their placeholders (see :class:`_Resolver`).
    Messages are not masked here: the caller masks them.
    """
    resolver = _Resolver(manifest_name, text, inserted)
    loader = _Loader(text)
    try:
        while loader.check_node():
            node = loader.get_node()
            line = node.start_mark.line + 1
            document = loader.construct_document(node)
            if document is not None:
                yield line, resolver.resolve(document, line)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        message = " ".join(part for part in (err.context, err.problem) if part)
        raise RenderError(
            f"invalid YAML: {message}",
            manifest=manifest_name,
            line=mark.line + 1 if mark else None,
        ) from err
    except yaml.YAMLError as err:
        raise RenderError(f"invalid YAML: {err}", manifest=manifest_name) from err
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


def _check_unique(obj, seen, manifest_name, line):
    """Refuse an object met before; add it to the set ``seen`` of keys."""
    key = (_api_group(obj["apiVersion"]), obj["kind"], obj["metadata"]["name"])
    if key in seen:
        raise RenderError(
            "{} {} is defined twice".format(obj["kind"], obj["metadata"]["name"]),
            manifest=manifest_name,
            line=line,
        )
    seen.add(key)


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


class _Loader(YAML_LOADER):
    """The YAML loader, refusing a mapping key that is not read as a string.

    The check runs on the key's node, so that the error names the key's own
    line rather than the line where its document starts.
    """

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            # merge keys (<<) are resolved first, as the loader itself does
            self.flatten_mapping(node)
        for key_node, _value_node in node.value:
            if key_node.tag != _STRING_TAG:
                key = key_node.value if isinstance(key_node, yaml.ScalarNode) else ""
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"the mapping key {key!r} is not a string; quote it"
                    if key
                    else "a mapping key is not a string",
                    key_node.start_mark,
                )
        return super().construct_mapping(node, deep=deep)


class _Resolver:
    """Turn a parsed document into JSON types, with the inserted values in it.

    A string that is exactly a placeholder becomes the value of its expression;
    one that holds a placeholder among other text is refused, as the
    expression there was part of a longer scalar, of a quoted string or of a
    block scalar. The inserted values themselves are not searched for
    placeholders: a user's value arrives as it is. No message names an
    inserted value, and errors about one name the line of its expression in
    the rendered text.
    """

    def __init__(self, manifest_name, text, inserted):
        self.manifest_name = manifest_name
        self.text = text
        self.inserted = inserted

    def resolve(self, document, line):
        """Return ``document`` resolved; ``line`` is where it starts."""
        return _json_compatible(document, self.manifest_name, line, self)

    def value(self, text, line):
        """Return the inserted value that replaces the string ``text``."""
        match = _PLACEHOLDER.fullmatch(text)
        if match:
            value = self.inserted[int(match.group(1))]
            try:
                return _json_compatible(value, self.manifest_name, line, inserted=True)
            except RenderError as err:
                raise RenderError(
                    err.reason, manifest=self.manifest_name, line=self.line(text)
                ) from err
        match = _PLACEHOLDER.search(text)
        if match:
            line = self.line(match.group())
        raise RenderError(_GLUED, manifest=self.manifest_name, line=line)

    def key(self, text, line):
        """Return the mapping key that replaces the string ``text``."""
        key = self.value(text, line)
        if not isinstance(key, str):
            raise RenderError(
                _KEY_NOT_TEXT, manifest=self.manifest_name, line=self.line(text)
            )
        return key

    def line(self, placeholder):
        """Return the line of ``placeholder`` in the rendered text, where it
        stands once (see :func:`_check_placeholders`)."""
        return _text_line(self.text, self.text.index(placeholder))


def _json_compatible(value, manifest_name, line, resolver=None, inserted=False):
    """Return ``value`` with YAML-only types made JSON types, or refuse it.

    Unquoted dates become their ISO text, as Kubernetes reads them; binary
    data, sets and non-string mapping keys cannot be sent and are refused.
    With a ``resolver``, placeholders are replaced by the inserted values, and
    a mapping whose keys become equal once they are is refused: a value would
    otherwise silently replace another, or a template's own key. ``inserted``
    says that ``value`` is an expression's output, which no message quotes.
    """
    if isinstance(value, str):
        if resolver is not None and _OPEN in value:
            return resolver.value(value, line)
        return value
    if isinstance(value, dict):
        result = {}
        # per key, the placeholder it was inserted from, or None
        sources = {}
        for key, item in value.items():
            source = None
            if resolver is not None and isinstance(key, str) and _OPEN in key:
                source, key = key, resolver.key(key, line)
            if not isinstance(key, str):
                raise RenderError(
                    _INSERTED_KEY_NOT_TEXT if inserted else _KEY_NOT_TEXT,
                    manifest=manifest_name,
                    line=line,
                )
            if key in result:
                placeholder = source or sources[key]
                raise RenderError(
                    f"the mapping key '{key}' appears twice once the expressions "
                    "are inserted",
                    manifest=manifest_name,
                    line=resolver.line(placeholder) if placeholder else line,
                )
            result[key] = _json_compatible(
                item, manifest_name, line, resolver, inserted
            )
            sources[key] = source
        return result
    if isinstance(value, list):
        return [
            _json_compatible(item, manifest_name, line, resolver, inserted)
            for item in value
        ]
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if value is None or isinstance(value, (bool, int, float)):
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


def _text_line(text, offset):
    """Return the line number of the character at ``offset`` in ``text``."""
    return text.count("\n", 0, offset) + 1


# -- Expression outputs ----------------------------------------------------------


class _Insertions:
    """The outputs of one rendering's expressions, in the order they ran."""

    __slots__ = ("values", "origins")

    def __init__(self):
        self.values = []
        # Per output, the code object and the instruction offset that wrote
        # it: turning them into a line scans the code's line table, so that
        # is left to :meth:`line`, called for an error only.
        self.origins = []

    def line(self, index):
        """Return the line of the compiled template code that wrote the
        output ``index``, or None."""
        code, offset = self.origins[index]
        for start, end, line in code.co_lines():
            if start <= offset < end:
                return line
        return None


# The outputs of the rendering under way in this thread or task.
_INSERTIONS = contextvars.ContextVar("render_insertions")


@jinja2.pass_eval_context
def _insert(_eval_context, value):
    """Keep an expression's output; return the placeholder written instead.

    This is the environment's ``finalize``, called for every ``{{ }}``. It
    takes the evaluation context only so that Jinja calls it at run time for
    constant expressions too, rather than once when it compiles them.
    """
    plain = _plain_value(value)
    insertions = _INSERTIONS.get()
    number = len(insertions.values)
    insertions.values.append(plain)
    frame = sys._getframe(1)
    insertions.origins.append((frame.f_code, frame.f_lasti))
    return f"{_OPEN}{number}{_CLOSE}"


def _plain_value(value):
    """Return an expression's output made of plain str, numbers, dicts and lists.

    Mappings and sequences are copied, so that no object shares them with the
    template values; other objects become their text (an undefined value
    raises there).
    """
    if isinstance(value, str):
        return str(value)
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, dict):
        return {_plain_value(key): _plain_value(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain_value(item) for item in value]
    return str(value)


# -- Compilation ---------------------------------------------------------------

_ENVIRONMENT = ImmutableSandboxedEnvironment(
    undefined=jinja2.StrictUndefined,
    autoescape=False,
    finalize=_insert,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


@functools.lru_cache(maxsize=256)
def _compile(content):
    """Compile a manifest template; raise :class:`jinja2.TemplateSyntaxError`.

    Beside Jinja's syntax, refuse the placeholder characters, in the text or
    escaped, and what :func:`_check_whole_scalars` refuses.
    """
    private = _PRIVATE.search(content)
    if private:
        raise jinja2.TemplateSyntaxError(
            _PRIVATE_CHARACTER, _text_line(content, private.start())
        )
    template = _ENVIRONMENT.from_string(content)
    _check_whole_scalars(content)
    return template


def _check_whole_scalars(content):
    """Refuse, reading the template, an expression that cannot be a whole value.

    That is an expression next to other text or to another expression, looking
    through the tags of :data:`_TRANSPARENT_TAGS` and comments, and one inside
    a ``{% filter %}`` or ``{% set %}`` block. The rendered text is checked as
    well, so this check may leave a doubtful case (an expression after an
    ``{% else %}``, a macro's body) to that one.
    """
    units = _template_units(content)
    filters = sets = 0
    for index, (kind, lineno, detail) in enumerate(units):
        if kind == "tag":
            filters += {"filter": 1, "endfilter": -1}.get(detail, 0)
            sets += {"set block": 1, "endset": -1}.get(detail, 0)
            if detail == "call" and filters:
                raise jinja2.TemplateSyntaxError(_IN_FILTER, lineno)
            continue
        if kind != "expression":
            continue
        if filters:
            raise jinja2.TemplateSyntaxError(_IN_FILTER, lineno)
        if sets:
            raise jinja2.TemplateSyntaxError(_IN_SET, lineno)
        if _is_glued(units, index):
            raise jinja2.TemplateSyntaxError(_GLUED, lineno)


def _template_units(content):
    """Return a template as ``(kind, line, detail)`` for its data and tags.

    The kind is "data" (the detail is its text, never empty), "expression" or
    "tag" (the detail is the tag's name, "set block" for a ``{% set %}``
    without ``=``). Comments and raw markers write nothing and are left out.
    """
    units = []
    tokens = iter(_ENVIRONMENT.lex(content))
    for lineno, kind, value in tokens:
        if kind == "data" and value:
            units.append(("data", lineno, value))
        elif kind == "variable_begin":
            units.append(("expression", lineno, None))
        elif kind == "block_begin":
            units.append(("tag", lineno, _tag_name(tokens)))
    return units


def _tag_name(tokens):
    """Return the name of the tag whose tokens follow, consuming them."""
    name = assigns = None
    for _lineno, kind, value in tokens:
        if kind == "block_end":
            break
        if kind == "name" and name is None:
            name = value
        elif kind == "operator" and value in ("=", "|") and assigns is None:
            assigns = value == "="
    if name == "set" and not assigns:
        return "set block"
    return name


def _is_glued(units, index):
    """Tell whether the expression ``units[index]`` touches text or another one.

    On each side, the nearest data or expression is looked for through the
    transparent tags; a tag that is not transparent, or the template's edge,
    ends the search without a verdict.
    """
    for step, allowed, edge in ((-1, _ALLOWED_BEFORE, -1), (1, _ALLOWED_AFTER, 0)):
        position = index + step
        while 0 <= position < len(units):
            kind, _lineno, detail = units[position]
            if kind == "expression":
                return True
            if kind == "data":
                if detail[edge] not in allowed:
                    return True
                break
            if detail not in _TRANSPARENT_TAGS:
                break
            position += step
    return False
