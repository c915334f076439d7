"""Tests of the manifest renderer: quoting, errors, and what it enforces."""

import copy
import datetime
import json
import textwrap

import pytest
import yaml

from odoo.addons.kubernetes_base.lib import render
from odoo.addons.kubernetes_base.lib.exceptions import RenderError

NAMESPACE = "c7-acme-int"


def make_values(config=None, secrets=None, **app):
    """Return render values for the app ``r4ts-int``, overridden by the args."""
    app_values = {
        "name": "r4ts-int",
        "hostname": "r4ts-int.mint-cloud.ch",
        "namespace": NAMESPACE,
        "environment": "int",
        "product": "Odoo Hosting",
        "login": "jane@example.com",
    }
    app_values.update(app)
    return {
        "app": app_values,
        "config": {"ENVIRONMENT": "int"} if config is None else config,
        "secrets": secrets
        or {"admin_password": "AdminPassw0rd", "db_password": "DbPassw0rdXyz"},
        "company": {"domain": "mint-cloud.ch", "tls_issuer": "letsencrypt"},
    }


def manifest(text, name="test.yaml"):
    """Return a one-manifest list from indented test text."""
    return [(name, textwrap.dedent(text).lstrip("\n"))]


def render_one(text, values=None):
    """Render one manifest and return its objects."""
    return render.render_objects(manifest(text), values or make_values())


# -- Inserted values stay one scalar -------------------------------------------

HOSTILE_VALUES = [
    "x\nkind: ClusterRole",
    "{{ 7*7 }}",
    "*alias",
    "&anchor",
    "yes",
    "no",
    "0755",
    "8080",
    '"quoted"',
    "'single'",
    "a: b",
    "- item",
    "# comment",
    "{a: 1}",
    "[1]",
    "tab\there, unicode \u00fcn\u00efc\u00f6d\u00e9 \u2192 \u2713 \U0001f680",
    "",
    "null",
    "~",
    "true",
    "1.5e3",
    "---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: stolen",
    "...",
    "\\",
    "\\n is not a newline",
    'back\\slash "and" quote',
    "!!python/object/apply:os.system ['id']",
    "%YAML 1.1",
    "| block",
    "> folded",
    "?",
    "@at `tick`",
    "  leading and trailing  ",
    "}}\n{{",
    "{% raw %}",
    "line\r\nbreak",
    "nel\x85line\u2028sep\u2029para",
    "\ufeffbom",
    "bell\x07nul\x00del\x7f",
    "x" * 1000,
    "1e3",
    "#comment",
    "[a]",
    "{a: b}",
    "%TAG ! tag:evil.example,2000:",
    "v, kind: ClusterRole",
    " #x",
    "\ue000",
    "\ue001",
    "\ue0000\ue001",
    "x\ue0001\ue001y",
]


def value_id(value):
    """Return a short test id for an inserted value."""
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:20]}...{len(value)} chars"


INJECTION_MANIFEST = """
    apiVersion: v1
    kind: ConfigMap
    metadata:
      name: {{ app.name ~ "-config" }}
      labels:
        tier: web
      annotations:
        # the value again, in a comment: {{ config.VALUE }}
        note: {{ config.VALUE }}
    data:
      VALUE: {{ config.VALUE }}
      SECRET: {{ secrets.db_password }}
      LIST: {{ [config.VALUE, "fixed"] }}
      {% if config.VALUE is string %}
      IF: {{ config.VALUE }}
      {% endif %}
      INLINE_IF: [{% if false %}none{% else %}{{ config.VALUE }}{% endif %}]
      {% set copy = config.VALUE %}
      SET: {{ copy }}
      LOOP: [
        {% for item in [config.VALUE, "x"] %}
        {{ item }}{# a comment #},
        {% endfor %}
      ]
    looped:
    {% for item in [config.VALUE, "fixed"] %}
      - {{ item }}
    {% endfor %}
    keyed:
      {{ config.VALUE }}: fixed
    ---
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: {{ app.name }}
    spec:
      selector:
        matchLabels:
          tier: web
      template:
        spec:
          containers:
            - name: odoo
              image: {{ "odoo:" ~ config.VALUE }}
              args: [{{ config.VALUE }}, "--proxy-mode"]
              env:
                - name: VALUE
                  value: {{ config.VALUE }}
"""


def shape(value):
    """Return the structure of ``value`` with every string leaf blanked."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(item) for item in value]
    return type(value).__name__


def render_injection(value):
    """Render the injection manifest with ``value`` as config and password."""
    values = make_values(
        config={"VALUE": value},
        secrets={"admin_password": "AdminPassw0rd", "db_password": value},
    )
    objects = render.render_objects(manifest(INJECTION_MANIFEST), values)
    keyed = objects[0].pop("keyed")
    return objects, keyed


@pytest.fixture(params=sorted({yaml.SafeLoader, render.YAML_LOADER}, key=str))
def yaml_loader(request, monkeypatch):
    """Run a test with the pure-Python loader and, when built, the C one."""
    monkeypatch.setattr(render, "YAML_LOADER", request.param)
    return request.param


@pytest.mark.parametrize("value", HOSTILE_VALUES, ids=value_id)
def test_inserted_value_arrives_unchanged(yaml_loader, value):
    objects, keyed = render_injection(value)

    config_map, deployment = objects
    assert config_map["data"]["VALUE"] == value
    assert config_map["data"]["SECRET"] == value
    assert config_map["data"]["LIST"] == [value, "fixed"]
    assert config_map["data"]["IF"] == config_map["data"]["SET"] == value
    assert config_map["data"]["INLINE_IF"] == [value]
    assert config_map["data"]["LOOP"] == [value, "x"]
    assert config_map["looped"] == [value, "fixed"]
    assert config_map["metadata"]["annotations"] == {"note": value}
    assert keyed == {value: "fixed"}
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == "odoo:" + value
    assert container["args"] == [value, "--proxy-mode"]
    assert container["env"] == [{"name": "VALUE", "value": value}]


@pytest.mark.parametrize("value", HOSTILE_VALUES, ids=value_id)
def test_inserted_value_changes_no_structure(yaml_loader, value):
    reference, reference_keyed = render_injection("plain")
    objects, keyed = render_injection(value)

    assert len(objects) == len(reference) == 2
    assert shape(objects) == shape(reference)
    assert len(keyed) == len(reference_keyed) == 1


def test_long_value_arrives_unchanged():
    value = "long line " * 2000
    values = make_values(config={"VALUE": value})

    (obj,) = render_one(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n"
        "data:\n  VALUE: {{ config.VALUE }}\n",
        values,
    )

    assert obj["data"] == {"VALUE": value}


def test_template_numbers_and_collections_keep_their_type():
    objects = render_one(
        """
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: numbers
        spec:
          count: {{ 3 }}
          ratio: {{ 1.5 }}
          huge: {{ 1e20 }}
          tiny: {{ 1e-7 }}
          flag: {{ true }}
          nothing: {{ none }}
          default: {{ config.get("MISSING") }}
          nested: {{ {"a": [1, "two", false], "b": {}} }}
        """
    )

    assert objects[0]["spec"] == {
        "count": 3,
        "ratio": 1.5,
        "huge": 1e20,
        "tiny": 1e-7,
        "flag": True,
        "nothing": None,
        "default": None,
        "nested": {"a": [1, "two", False], "b": {}},
    }


def test_loop_over_config_entries():
    values = make_values(config={"B_KEY": "no", "A_KEY": "x: y", "C": "0755"})

    objects = render_one(
        """
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: config
        data:
          {% for key, value in config | dictsort %}
          {{ key }}: {{ value }}
          {% endfor %}
          FIXED: "1"
        """,
        values,
    )

    assert objects[0]["data"] == {
        "A_KEY": "x: y",
        "B_KEY": "no",
        "C": "0755",
        "FIXED": "1",
    }


# -- Template errors -------------------------------------------------------------


def test_undefined_variable_names_manifest_and_line():
    with pytest.raises(RenderError) as info:
        render_one(
            """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: {{ config.MISSING }}
            """
        )

    assert info.value.manifest == "test.yaml"
    assert info.value.line == 4
    assert "MISSING" in str(info.value)
    assert str(info.value).startswith("test.yaml, line 4: ")


def test_undefined_variable_below_a_loop_keeps_the_template_line():
    with pytest.raises(RenderError) as info:
        render_one(
            """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: config
            data:
              {% for key, value in config.items() %}
              {{ key }}: {{ value }}
              {% endfor %}
              OTHER: {{ company.nothing }}
            """
        )

    assert info.value.line == 9


def test_syntax_error_names_manifest_and_line():
    with pytest.raises(RenderError) as info:
        render_one(
            """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: {{ app.name ~ }}
            """
        )

    assert (info.value.manifest, info.value.line) == ("test.yaml", 4)


@pytest.mark.parametrize(
    "expression",
    [
        "{{ config.__class__ }}",
        "{{ ''.__class__.__mro__ }}",
        "{{ config.update({'ENVIRONMENT': 'prod'}) }}",
        "{{ config.pop('ENVIRONMENT') }}",
        "{{ lipsum.__globals__ }}",
    ],
)
def test_sandbox_refuses_internals_and_changes(expression):
    values = make_values()
    before = copy.deepcopy(values)

    with pytest.raises(RenderError) as info:
        render_one(
            f"""
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: x
              annotations:
                a: {expression}
            """,
            values,
        )

    assert info.value.line == 6
    assert values == before


def test_include_is_unavailable():
    with pytest.raises(RenderError):
        render_one('{% include "/etc/passwd" %}\n')


def test_error_messages_mask_secret_values():
    values = make_values(
        secrets={"admin_password": "AdminPassw0rd", "db_password": "TopSecret123"}
    )

    with pytest.raises(RenderError) as info:
        render_one(
            """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: {{ config[secrets.db_password] }}
            """,
            values,
        )

    assert "TopSecret123" not in str(info.value)
    assert "********" in str(info.value)


def test_object_errors_mask_secret_values():
    values = make_values(
        secrets={"admin_password": "AdminPassw0rd", "db_password": "TopSecret123"}
    )
    content = (
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ secrets.db_password }}\n"
    )

    with pytest.raises(RenderError) as info:
        render.render_objects([("a.yaml", content), ("b.yaml", content)], values)

    assert "twice" in str(info.value)
    assert "TopSecret123" not in str(info.value)
    assert (info.value.manifest, info.value.line) == ("b.yaml", 1)


SECRET_CONFIG = {"SMTP_PASSWORD": "smtp-Secret-9"}


def render_with_secret_config(text):
    """Render ``text`` with a secret config entry and a secret database password."""
    values = make_values(
        secrets={"admin_password": "AdminPassw0rd", "db_password": "TopSecret123"}
    )
    values["secret_config"] = dict(SECRET_CONFIG)
    return render_one(text, values)


@pytest.mark.parametrize("key", ["{{ secret_config }}", "{{ 8080 }}", "{{ none }}"])
def test_expression_key_that_is_not_text_names_no_value(key):
    with pytest.raises(RenderError) as info:
        render_with_secret_config(
            f"""
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: x
            data:
              a: b

              {key}: x
            """
        )

    message = str(info.value)
    assert "an expression used as a mapping key must give a string" in message
    assert "SMTP_PASSWORD" not in message and "smtp-Secret-9" not in message
    assert "8080" not in message and "quote" not in message
    assert info.value.line == 8


def test_inserted_mapping_with_keys_not_text_names_no_value():
    with pytest.raises(RenderError) as info:
        render_with_secret_config(
            """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: x
              annotations:
                a: {{ {1: secret_config.SMTP_PASSWORD} }}
            """
        )

    assert "keys are not all strings" in str(info.value)
    assert "smtp-Secret-9" not in str(info.value)
    assert info.value.line == 6


def test_literal_key_that_is_not_text_names_its_own_line():
    with pytest.raises(RenderError) as info:
        render_one(
            """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: x
            data:
              a: b
              8080: one
            """
        )

    assert "the mapping key '8080' is not a string; quote it" in str(info.value)
    assert info.value.line == 7


def test_keys_equal_once_inserted_are_refused():
    # A value used as a key would silently replace the template's own label.
    values = make_values(
        config={"LABEL": "app.kubernetes.io/name", "X": "evil"},
    )
    with pytest.raises(RenderError) as info:
        render_one(
            """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: x
              labels:
                app.kubernetes.io/name: odoo
                {{ config.LABEL }}: {{ config.X }}
            """,
            values,
        )

    assert "the mapping key 'app.kubernetes.io/name' appears twice" in str(info.value)
    assert info.value.line == 7


def test_errors_after_insertion_mask_secret_values():
    with pytest.raises(RenderError) as info:
        render_with_secret_config(
            """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: x
            data:
              {{ secrets.db_password }}: a
              {{ secrets.db_password }}: b
            """
        )

    assert "appears twice" in str(info.value)
    assert "TopSecret123" not in str(info.value)
    assert "'********'" in str(info.value)
    assert info.value.line == 7


def test_a_template_of_thousands_of_expressions_renders_each_value():
    # How long it takes is measured by tests/bench_render.py, not here.
    body = "".join(
        f"  k{index}: {{{{ app.name ~ '-{index}' }}}}\n" for index in range(8000)
    )
    content = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n" + body
    render.validate_template(content, "big.yaml")

    (obj,) = render.render_objects([("big.yaml", content)], make_values())

    assert len(obj["data"]) == 8000
    assert obj["data"]["k7999"] == "r4ts-int-7999"


def test_python_error_in_template_is_a_render_error():
    with pytest.raises(RenderError) as info:
        render_one(
            """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: x
            data:
              a: {{ 1 // 0 }}
            """
        )

    assert "ZeroDivisionError" in str(info.value)
    assert info.value.line == 6


# -- Glued expressions -----------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "name: {{ app.name }}-config",
        "image: odoo:{{ config.REVISION }}",
        'name: "{{ app.name }}"',
        "name: '{{ app.name }}'",
        "name: {{ app.name }}{{ app.environment }}",
        "name: {{- app.name }}",
        "name: x{{ app.name }}",
    ],
)
def test_expression_glued_to_text_is_refused(line):
    content = f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  {line}\n"

    with pytest.raises(RenderError) as info:
        render.validate_template(content, "glued.yaml")

    assert (info.value.manifest, info.value.line) == ("glued.yaml", 4)
    assert "whole YAML value" in str(info.value)
    with pytest.raises(RenderError):
        render.render_objects([("glued.yaml", content)], make_values())


@pytest.mark.parametrize(
    "line",
    [
        "name: {{ app.name }}",
        "name: {{ app.name ~ '-config' }}",
        "list: [{{ app.name }}, {{ app.namespace }}]",
        "map: {a: {{ app.name }}, b: {{ app.namespace }}}",
        "{{ app.environment }}: {{ app.name }}",
        "items:\n    - {{ app.name }}",
        "name: {{ app.name }} # trailing comment",
        "raw: {% raw %}x{{ not_rendered }}y{% endraw %}",
        "a: {% if true %}{{ app.name }}{% else %}fixed{% endif %}",
        "a: {% if false %}fixed{% elif true %}{{ app.name }}{% endif %}",
        "a: {# why #}{{ app.name }} {# note #}",
        "a: [{% for n in [1, 2] %}{{ n }}, {% endfor %}]",
        "{% set n = app.name ~ '-x' %}a: {{ n }}",
        "{% macro m() %}text{% endmacro %}a: {{ m() }}",
        "a: |-\n    {{ app.name }}",
    ],
)
def test_whole_scalar_expressions_are_accepted(line):
    content = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  %s\n"

    render.validate_template(content % line, "fine.yaml")

    assert render.render_objects([("fine.yaml", content % line)], make_values())


def test_validate_template_accepts_unknown_variables():
    render.validate_template("a: {{ config.ANYTHING }}\n", "any.yaml")


def test_validate_template_reports_syntax_line():
    with pytest.raises(RenderError) as info:
        render.validate_template("a: 1\n{% for x in y %}\nb: 2\n", "loop.yaml")

    assert info.value.manifest == "loop.yaml"
    assert info.value.line == 3


# -- Misplaced expressions, through tags, comments and whitespace control --------

BYPASS_HEAD = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n"

#: Templates whose expression does not stand for a whole value, or whose output
#: is captured or rewritten. Each body starts on line 6 and comes with the line
#: the template check refuses (None: only the rendered text shows the fault)
#: and the line the check at rendering reports on its own: the rendered text's,
#: or the template's for an output that never reached the text (None: a filter
#: block, which cannot reach the value, so that the value arrives unchanged).
BYPASSES = [
    pytest.param(
        "  b: {a: x{% if true %}{{ config.VALUE }}{% endif %}}\n", 6, 6, id="if"
    ),
    pytest.param(
        "  a: abc{% raw %}{% endraw %}{{ config.VALUE }}\n", 6, 6, id="empty-raw"
    ),
    pytest.param(
        "  a: x{% for i in [1] %}{{ config.VALUE }}{% endfor %}\n", 6, 6, id="for"
    ),
    pytest.param("  a: x{# note #}{{ config.VALUE }}\n", 6, 6, id="comment-before"),
    pytest.param("  a: {{ config.VALUE }}{# note #}y\n", 6, 6, id="comment-after"),
    pytest.param(
        "  a: {% if true %}{{ config.VALUE }}{% endif %}x\n", 6, 6, id="text-after-if"
    ),
    pytest.param(
        "  a: {{ config.VALUE }}{% if true %}{{ config.VALUE }}{% endif %}\n",
        6,
        6,
        id="two-expressions",
    ),
    pytest.param(
        "  a: x {%- if true %}{{ config.VALUE }}{% endif %}\n", 6, 6, id="strip-before"
    ),
    pytest.param(
        "  a: {{ config.VALUE }} {%- if true %}x{% endif %}\n", 6, 6, id="strip-after"
    ),
    pytest.param(
        "  a: x{% if true -%}\n      {{ config.VALUE }}{% endif %}\n",
        7,
        6,
        id="strip-newline",
    ),
    pytest.param(
        "  a: {% filter replace('\"', '') %}{{ config.VALUE }}{% endfilter %}\n",
        6,
        None,
        id="filter",
    ),
    pytest.param(
        "{% filter upper %}{% filter replace('\"', '') %}\n"
        "  a: {{ config.VALUE }}\n"
        "{% endfilter %}{% endfilter %}\n",
        7,
        None,
        id="nested-filters",
    ),
    pytest.param(
        "{% set s %}{{ config.VALUE }}{% endset %}\n  a: {{ s }}\n",
        6,
        6,
        id="set-block",
    ),
    pytest.param(
        "{% set s | trim %}\n{{ config.VALUE }}\n{% endset %}\n  a: {{ s }}\n",
        7,
        7,
        id="set-block-filtered",
    ),
    pytest.param(
        "  a: x{% if false %}{% elif true %}{{ config.VALUE }}{% endif %}\n",
        None,
        6,
        id="elif",
    ),
    pytest.param(
        "  a: x{% if false %}{% else %}{{ config.VALUE }}{% endif %}\n",
        None,
        6,
        id="else",
    ),
    pytest.param(
        "  a: [{% for i in [1, 2] %}{{ config.VALUE }}{% endfor %}]\n",
        None,
        6,
        id="loop-glues-itself",
    ),
    pytest.param(
        "{% macro m(x) %}{{ x }}{% endmacro %}\n  a: {{ m(config.VALUE) }}\n",
        None,
        6,
        id="macro",
    ),
    pytest.param(
        "{% macro m(x) %}{{ x }}{% if caller %}{% endif %}{% endmacro %}\n"
        "  a: x{% call m(config.VALUE) %}{% endcall %}\n",
        None,
        6,
        id="call-after-text",
    ),
    pytest.param(
        "{% macro m() %}{{ caller() }}{% endmacro %}\n"
        "  a: {% call m() %}{{ config.VALUE }}{% endcall %}\n",
        None,
        7,
        id="call-body",
    ),
    pytest.param(
        '  a: "x\n    {{ config.VALUE }} y"\n', None, 7, id="multi-line-quoted"
    ),
    pytest.param("  a: |\n    {{ config.VALUE }}\n", None, 7, id="block-scalar"),
]

#: Values that would add a key or cut a value short if they reached the YAML.
BYPASS_VALUES = ["v, kind: ClusterRole", " #x", "x\nkind: ClusterRole"]


@pytest.fixture
def without_template_check(monkeypatch):
    """Turn the template check off, to try the check of the rendered text alone."""
    render._compile.cache_clear()
    monkeypatch.setattr(render, "_check_whole_scalars", lambda content: None)
    yield
    render._compile.cache_clear()


def render_bypass(body, value):
    """Render the bypass template ``body`` with ``value`` as config entry."""
    return render.render_objects(
        [("bypass.yaml", BYPASS_HEAD + body)], make_values(config={"VALUE": value})
    )


@pytest.mark.parametrize("value", BYPASS_VALUES, ids=value_id)
@pytest.mark.parametrize("body, template_line, text_line", BYPASSES)
def test_misplaced_expression_is_refused(body, template_line, text_line, value):
    with pytest.raises(RenderError) as info:
        render_bypass(body, value)

    assert info.value.manifest == "bypass.yaml"
    assert info.value.line == (template_line or text_line)


@pytest.mark.parametrize("body, template_line, text_line", BYPASSES)
def test_template_check_refuses_what_the_template_shows(body, template_line, text_line):
    if template_line is None:
        render.validate_template(BYPASS_HEAD + body, "bypass.yaml")
        return
    with pytest.raises(RenderError) as info:
        render.validate_template(BYPASS_HEAD + body, "bypass.yaml")

    assert (info.value.manifest, info.value.line) == ("bypass.yaml", template_line)


@pytest.mark.parametrize("value", BYPASS_VALUES, ids=value_id)
@pytest.mark.parametrize("body, template_line, text_line", BYPASSES)
def test_rendered_text_check_alone_keeps_values_whole(
    without_template_check, body, template_line, text_line, value
):
    if text_line is None:
        (obj,) = render_bypass(body, value)
        assert list(obj["data"].values()) == [value]
        return
    with pytest.raises(RenderError) as info:
        render_bypass(body, value)

    assert (info.value.manifest, info.value.line) == ("bypass.yaml", text_line)
    assert "whole YAML value" in str(info.value) or "did not reach" in str(info.value)


@pytest.mark.parametrize(
    "body, line",
    [
        ("  a: {{ config.VALUE }}\n  b: \ue0000\ue001\n", 7),
        ('  a: {{ config.VALUE }}\n  b: "\\ue0000\\ue001"\n', 7),
        ('\n\n  b: "\\U0000E001"\n', 8),
        ('  b: {{ "\\ue000" }}\n', 6),
    ],
)
def test_placeholder_characters_in_a_template_are_refused(body, line):
    content = BYPASS_HEAD + body

    with pytest.raises(RenderError) as info:
        render.validate_template(content, "private.yaml")
    assert (info.value.manifest, info.value.line) == ("private.yaml", line)
    assert "U+E000" in str(info.value)
    with pytest.raises(RenderError) as info:
        render.render_objects([("private.yaml", content)], make_values())
    assert (info.value.manifest, info.value.line) == ("private.yaml", line)


@pytest.mark.parametrize("count", [0, 1])
def test_forged_placeholder_is_refused(count):
    body = (
        "  a: {{ config.VALUE }}\n" * count
        + '{% filter replace("y", "%c0%c" | format(57344, 57345)) %}\n'
        + "  b: y\n"
        + "{% endfilter %}\n"
    )

    with pytest.raises(RenderError) as info:
        render_bypass(body, "v")

    assert (info.value.manifest, info.value.line) == ("bypass.yaml", 6 + count)
    assert "did not reach" in str(info.value)


# -- YAML and object checks ------------------------------------------------------


def test_invalid_yaml_names_manifest_and_line():
    with pytest.raises(RenderError) as info:
        render_one(
            """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: x
             bad: indentation
            """
        )

    assert info.value.manifest == "test.yaml"
    assert info.value.line == 5
    assert "invalid YAML" in str(info.value)


def test_empty_documents_are_skipped():
    objects = render_one(
        """
        # only a comment
        ---
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: one
        ---
        """
    )

    assert [obj["metadata"]["name"] for obj in objects] == ["one"]


def test_empty_manifest_renders_nothing():
    assert render.render_objects([("empty.yaml", "")], make_values()) == []


@pytest.mark.parametrize(
    "document, reason",
    [
        ("- a list", "not a mapping"),
        ("just text", "not a mapping"),
        ("kind: ConfigMap\nmetadata: {name: x}", "no apiVersion"),
        ("apiVersion: v1\nmetadata: {name: x}", "no kind"),
        ("apiVersion: v1\nkind: ConfigMap", "no metadata"),
        ("apiVersion: v1\nkind: ConfigMap\nmetadata: {}", "no metadata.name"),
        ("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: 5}", "no metadata.name"),
        ("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, labels: [a]}", "labels"),
        (
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\nb: !!binary aGk=",
            "bytes",
        ),
    ],
)
def test_malformed_object_is_refused(document, reason):
    content = (
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: first}\n---\n" + document
    )

    with pytest.raises(RenderError) as info:
        render.render_objects([("bad.yaml", content)], make_values())

    assert reason in str(info.value)
    assert (info.value.manifest, info.value.line) == ("bad.yaml", 5)


@pytest.mark.parametrize(
    "kind",
    [
        "ClusterRole",
        "ClusterRoleBinding",
        "PersistentVolume",
        "StorageClass",
        "CustomResourceDefinition",
        "ClusterIssuer",
        "Node",
    ],
)
def test_cluster_scoped_kinds_are_refused(kind):
    with pytest.raises(RenderError) as info:
        render_one(f"apiVersion: v1\nkind: {kind}\nmetadata:\n  name: x\n")

    assert "cluster-scoped" in str(info.value)


def test_unquoted_dates_become_text():
    objects = render_one(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n"
        "data:\n  day: 2024-11-04\n"
    )

    assert objects[0]["data"]["day"] == "2024-11-04"


def test_object_defined_twice_is_refused():
    content = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n"

    with pytest.raises(RenderError) as info:
        render.render_objects([("a.yaml", content), ("b.yaml", content)], make_values())

    assert info.value.manifest == "b.yaml"
    assert "twice" in str(info.value)


def test_same_name_in_different_kinds_is_allowed():
    content = (
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n---\n"
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n"
    )

    assert len(render.render_objects([("a.yaml", content)], make_values())) == 2


def test_app_without_namespace_is_refused():
    with pytest.raises(RenderError):
        render_one(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n",
            make_values(namespace=""),
        )


# -- Namespace, labels, checksum ---------------------------------------------------


def test_namespace_is_forced():
    objects = render_one(
        """
        apiVersion: v1
        kind: Namespace
        metadata:
          name: somebody-else
          namespace: whatever
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: x
          namespace: kube-system
        ---
        apiVersion: v1
        kind: Service
        metadata:
          name: y
        """
    )

    namespace, config_map, service = objects
    assert namespace["metadata"]["name"] == NAMESPACE
    assert "namespace" not in namespace["metadata"]
    assert config_map["metadata"]["namespace"] == NAMESPACE
    assert service["metadata"]["namespace"] == NAMESPACE


def test_app_labels():
    assert render.app_labels("r4ts-int") == {
        "app.kubernetes.io/instance": "r4ts-int",
        "app.kubernetes.io/managed-by": "odoo-kubernetes",
    }


def test_labels_are_merged_and_ours_win():
    objects = render_one(
        """
        apiVersion: v1
        kind: Namespace
        metadata:
          name: ns
        ---
        apiVersion: v1
        kind: Service
        metadata:
          name: web
          labels:
            tier: web
            app.kubernetes.io/instance: forged
        spec:
          selector:
            tier: web
        """
    )

    expected = render.app_labels("r4ts-int")
    assert objects[0]["metadata"]["labels"] == expected
    assert objects[1]["metadata"]["labels"] == {"tier": "web", **expected}
    assert objects[1]["spec"]["selector"] == {"tier": "web"}


SELECTOR = "  selector:\n    matchLabels: {tier: web}\n"

#: Per workload kind: its apiVersion and the spec of a minimal object.
WORKLOADS = {
    "Deployment": (
        "apps/v1",
        SELECTOR
        + "  template:\n"
        + "    metadata:\n"
        + "      labels: {tier: web}\n"
        + "      annotations: {keep: me}\n"
        + "    spec: {}\n",
    ),
    "StatefulSet": ("apps/v1", SELECTOR + "  template:\n    spec: {}\n"),
    "DaemonSet": (
        "apps/v1",
        SELECTOR + "  template:\n    metadata: {labels: {tier: web}}\n",
    ),
    "Job": ("batch/v1", "  template:\n    metadata: {}\n    spec: {}\n"),
    "CronJob": (
        "batch/v1",
        "  schedule: '@daily'\n"
        + "  jobTemplate:\n"
        + "    spec:\n"
        + "      template:\n"
        + "        spec: {}\n",
    ),
}


def pod_template(obj):
    """Return the pod template of a rendered workload."""
    if obj["kind"] == "CronJob":
        return obj["spec"]["jobTemplate"]["spec"]["template"]
    return obj["spec"]["template"]


@pytest.mark.parametrize("kind", sorted(WORKLOADS))
def test_pod_template_gets_labels_and_checksum(kind):
    api_version, spec = WORKLOADS[kind]
    values = make_values()

    (obj,) = render_one(
        f"apiVersion: {api_version}\nkind: {kind}\nmetadata:\n  name: w\nspec:\n{spec}",
        values,
    )

    metadata = pod_template(obj)["metadata"]
    for key, value in render.app_labels("r4ts-int").items():
        assert metadata["labels"][key] == value
    assert metadata["annotations"][render.CHECKSUM_ANNOTATION] == (
        render.config_checksum(values)
    )
    assert render.CHECKSUM_ANNOTATION not in obj["metadata"].get("annotations", {})
    if "selector" in obj["spec"]:
        assert obj["spec"]["selector"] == {"matchLabels": {"tier": "web"}}
    if kind == "Deployment":
        assert metadata["labels"]["tier"] == "web"
        assert metadata["annotations"]["keep"] == "me"


def test_workload_without_pod_template_is_refused():
    with pytest.raises(RenderError) as info:
        render_one("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: w\n")

    assert "spec.template" in str(info.value)


def test_custom_kind_named_like_a_workload_is_left_alone():
    (obj,) = render_one(
        "apiVersion: example.com/v1\nkind: Deployment\nmetadata:\n  name: w\n"
    )

    assert "spec" not in obj


def render_workloads():
    """Render one object of every workload kind, and a Service."""
    text = "---\n".join(
        f"apiVersion: {api_version}\nkind: {kind}\nmetadata:\n  name: w\nspec:\n{spec}"
        for kind, (api_version, spec) in sorted(WORKLOADS.items())
    )
    return render_one(
        text + "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: w\n"
    )


def test_restart_stamp_marks_deployments_statefulsets_and_daemonsets():
    objects = render_workloads()
    asked = datetime.datetime(2026, 12, 3, 21, 5, 9)

    assert render.stamp_restart(objects, asked) == 3

    stamped = {}
    for obj in objects:
        if obj["kind"] in WORKLOADS:
            annotations = pod_template(obj)["metadata"]["annotations"]
            stamped[obj["kind"]] = annotations.get(render.RESTARTED_AT_ANNOTATION)
            assert render.CHECKSUM_ANNOTATION in annotations
        assert render.RESTARTED_AT_ANNOTATION not in (
            obj["metadata"].get("annotations") or {}
        )
    assert stamped == {
        "CronJob": None,
        "DaemonSet": "2026-12-03T21:05:09Z",
        "Deployment": "2026-12-03T21:05:09Z",
        "Job": None,
        "StatefulSet": "2026-12-03T21:05:09Z",
    }
    deployment = next(obj for obj in objects if obj["kind"] == "Deployment")
    assert pod_template(deployment)["metadata"]["annotations"]["keep"] == "me"


def test_restart_stamp_is_the_same_for_the_same_time():
    asked = datetime.datetime(2026, 12, 3, 21, 5, 9)
    first, second = render_workloads(), render_workloads()

    render.stamp_restart(first, asked)
    render.stamp_restart(second, asked)

    assert first == second
    later = render_workloads()
    render.stamp_restart(later, asked + datetime.timedelta(seconds=1))
    assert later != first


def test_restart_stamp_leaves_custom_kinds_alone():
    (obj,) = render_one(
        "apiVersion: example.com/v1\nkind: Deployment\nmetadata:\n  name: w\n"
        "spec:\n  template: {}\n"
    )

    assert render.stamp_restart([obj], datetime.datetime(2026, 1, 1)) == 0
    assert obj["spec"]["template"] == {}


def test_secret_string_data_is_kept():
    (obj,) = render_one(
        """
        apiVersion: v1
        kind: Secret
        metadata:
          name: s
        stringData:
          PASSWORD: {{ secrets.db_password }}
        """
    )

    assert obj["stringData"] == {"PASSWORD": "DbPassw0rdXyz"}
    assert "data" not in obj


def test_config_checksum_is_stable_and_sensitive():
    values = make_values(config={"A": "1", "B": "2"})
    reordered = make_values(config={"B": "2", "A": "1"})
    other_config = make_values(config={"A": "1", "B": "3"})
    other_secret = make_values(
        config={"A": "1", "B": "2"},
        secrets={"admin_password": "AdminPassw0rd", "db_password": "changed"},
    )
    other_host = make_values(config={"A": "1", "B": "2"}, hostname="x.example.com")

    checksum = render.config_checksum(values)

    assert len(checksum) == 64
    int(checksum, 16)
    assert render.config_checksum(reordered) == checksum
    assert render.config_checksum(other_host) == checksum
    assert render.config_checksum(other_config) != checksum
    assert render.config_checksum(other_secret) != checksum


def test_rendering_is_pure_and_deterministic():
    manifests = manifest(INJECTION_MANIFEST)
    values = make_values(config={"VALUE": "v"})
    before = copy.deepcopy(values)

    first = render.render_objects(manifests, values)
    second = render.render_objects(manifests, values)

    assert json.dumps(first) == json.dumps(second)
    assert values == before
    first[0]["metadata"]["labels"]["x"] = "changed"
    assert "x" not in render.render_objects(manifests, values)[0]["metadata"]["labels"]


def test_objects_keep_manifest_order():
    manifests = [
        ("b.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n"),
        ("a.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n"),
    ]

    objects = render.render_objects(manifests, make_values())

    assert [obj["metadata"]["name"] for obj in objects] == ["b", "a"]
