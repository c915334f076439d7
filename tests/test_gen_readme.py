"""Tests of scripts/gen_readme.py: the Markdown converter and the generator.

Each conversion is checked twice: on the reStructuredText text, and, where the
structure matters, on the HTML docutils makes of it, so that an indentation
docutils would read differently fails here.
"""

import importlib.util
import pathlib
import textwrap

import pytest

SCRIPT = pathlib.Path(__file__).resolve().parent.parent / "scripts" / "gen_readme.py"


@pytest.fixture(scope="module")
def gen():
    """Return the gen_readme module, loaded from its file."""
    spec = importlib.util.spec_from_file_location("gen_readme", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def md(gen, text, **kwargs):
    """Convert dedented Markdown ``text``."""
    return gen.md_to_rst(textwrap.dedent(text), **kwargs)


def body_html(gen, rst):
    """Render ``rst`` and return the HTML between the body tags."""
    html = gen.rst_to_html(rst)
    return html.split("<body>", 1)[1].split("</body>", 1)[0]


def test_headings(gen):
    rst = md(gen, "# Top\n\n## Sub\n\nSetext\n------\n")
    assert rst == "Top\n---\n\nSub\n~~~\n\nSetext\n~~~~~~\n"
    assert md(gen, "# Top\n", heading_chars="=-") == "Top\n===\n"


def test_paragraph_keeps_its_lines(gen):
    assert md(gen, "one\ntwo\n\nthree\n") == "one\ntwo\n\nthree\n"


def test_bullet_list_nested(gen):
    rst = md(
        gen,
        """\
        - first
          item
        - second:
            - nested
        - third
        """,
    )
    assert rst == ("- first\n  item\n\n- second:\n\n  - nested\n\n- third\n"), rst
    html = body_html(gen, rst)
    assert html.count("<ul") == 2
    assert "<li>second:<ul>\n<li>nested</li>\n</ul>\n</li>\n<li>third</li>" in html


def test_numbered_list_renumbered_with_nested_bullets(gen):
    rst = md(
        gen,
        """\
        1. Open
        1. Click:
           - *Deploy*: queue it,
             then wait.
        """,
    )
    assert rst == (
        "1. Open\n\n2. Click:\n\n   - *Deploy*: queue it,\n     then wait.\n"
    ), rst
    html = body_html(gen, rst)
    assert "<li>Open</li>\n<li>Click:<ul>\n<li><em>Deploy</em>: queue it," in html


def test_numbered_list_keeps_its_start(gen):
    assert md(gen, "3. c\n4. d\n") == "3. c\n4. d\n"


def test_fenced_code_block(gen):
    rst = md(gen, "Example:\n\n```xml\n<a>\n  <b/>\n</a>\n```\n")
    assert rst == "Example:\n\n.. code:: xml\n\n   <a>\n     <b/>\n   </a>\n"
    html = body_html(gen, rst)
    assert '<pre class="code xml literal-block">\n&lt;a&gt;\n  &lt;b/&gt;' in html


def test_fenced_code_inside_list_item(gen):
    rst = md(gen, "1. Add:\n\n   ```\n   x = 1\n   ```\n2. Done\n")
    assert rst == "1. Add:\n\n   ::\n\n      x = 1\n\n2. Done\n", rst
    html = body_html(gen, rst)
    assert (
        '<p class="first">Add:</p>\n<pre class="literal-block">\nx = 1\n</pre>' in html
    )
    assert '<li><p class="first">Done</p>' in html


def test_indented_code_block(gen):
    assert md(gen, "Run:\n\n    make\n") == "Run:\n\n::\n\n   make\n"


def test_inline_code(gen):
    assert md(gen, "Use `a_b*` now.\n") == "Use ``a_b*`` now.\n"
    # Markup glued to a word is separated by an escaped space.
    rst = md(gen, "many `Pod`s\n")
    assert rst == "many ``Pod``\\ s\n"
    assert '<tt class="docutils literal">Pod</tt>s' in body_html(gen, rst)


def test_links(gen):
    rst = md(gen, "See [the docs](https://example.com/a_b) or <https://x.org>.\n")
    assert rst == "See `the docs <https://example.com/a_b>`__ or https://x.org.\n"
    html = body_html(gen, rst)
    assert '<a class="reference external" href="https://example.com/a_b">' in html
    assert 'href="https://x.org"' in html


def test_link_text_loses_inner_markup(gen):
    assert md(gen, "[`kr8s`](https://kr8s.org)\n") == "`kr8s <https://kr8s.org>`__\n"


def test_emphasis_and_strong(gen):
    rst = md(gen, "*a* _b c_ **d** __e__ snake_case_name\n")
    assert rst == "*a* *b c* **d** **e** snake_case_name\n"


def test_plain_text_is_escaped(gen):
    rst = md(gen, "2 * 3 | word_ and `x` \\*y\\*\n")
    assert rst == "2 \\* 3 \\| word\\_ and ``x`` \\*y\\*\n"
    assert "2 * 3 | word_ and" in body_html(gen, rst)


def test_paragraph_start_that_reads_as_a_list(gen):
    rst = md(gen, "A. Smith wrote it.\n")
    assert rst == "\\A. Smith wrote it.\n"
    assert "<p>A. Smith wrote it.</p>" in body_html(gen, rst)


def test_standalone_image(gen):
    rst = md(gen, "![Form](../static/description/form.png)\n")
    assert rst == ".. image:: ../static/description/form.png\n   :alt: Form\n"


def _make_addon(root, description="Does *things*.\n"):
    addon = root / "my_addon"
    (addon / "readme").mkdir(parents=True)
    (addon / "static" / "description").mkdir(parents=True)
    (addon / "__manifest__.py").write_text(
        repr(
            {
                "name": "My Addon",
                "version": "18.0.1.0.0",
                "license": "AGPL-3",
                "author": "Someone, Odoo Community Association (OCA)",
                "website": "https://github.com/some-org/some-repo",
                "development_status": "Beta",
                "maintainers": ["someone"],
            }
        )
    )
    (addon / "readme" / "DESCRIPTION.md").write_text(description)
    (addon / "readme" / "USAGE.md").write_text("1. Click.\n")
    (addon / "static" / "description" / "screenshot.png").write_bytes(b"png")
    (addon / "static" / "description" / "icon.png").write_bytes(b"png")
    return addon


def test_generate_and_check(gen, tmp_path, capsys):
    addon = _make_addon(tmp_path)
    assert gen.main(["--check"], root=tmp_path) == 1
    assert gen.main([], root=tmp_path) == 0
    readme = (addon / "README.rst").read_text()
    index = (addon / "static" / "description" / "index.html").read_text()

    assert readme.startswith("========\nMy Addon\n========\n")
    assert "Does *things*." in readme
    usage = "Usage\n=====\n\n1. Click.\n\n.. image:: static/description/screenshot.png"
    assert usage in readme
    assert "icon.png" not in readme
    assert "- Someone\n" in readme and "(OCA)" not in readme
    assert "maturity-Beta-yellow" in readme
    assert "github-some--org%2Fsome--repo" in readme
    assert 'src="screenshot.png"' in index
    assert "generator" not in index and "<?xml" not in index

    # Idempotent, and the check now passes.
    assert gen.main([], root=tmp_path) == 0
    assert (addon / "README.rst").read_text() == readme
    assert gen.main(["--check"], root=tmp_path) == 0

    (addon / "readme" / "DESCRIPTION.md").write_text("Does other things.\n")
    capsys.readouterr()
    assert gen.main(["--check"], root=tmp_path) == 1
    assert "my_addon/README.rst is not up to date" in capsys.readouterr().out


def test_broken_rst_is_reported(gen, tmp_path, capsys):
    addon = _make_addon(tmp_path)
    (addon / "readme" / "DESCRIPTION.rst").write_text("`unclosed\n")
    (addon / "readme" / "DESCRIPTION.md").unlink()
    assert gen.main([], root=tmp_path) == 1
    assert "my_addon: cannot generate the readme" in capsys.readouterr().out
