"""Generate each addon's README.rst and static/description/index.html.

This stands in for OCA's ``oca-gen-addon-readme``, which is not on PyPI, and
writes the same layout: the addon's name as title, a line of badges (maturity,
license, repository), the description, a table of contents, then the sections
Configuration, Usage, Known issues / Roadmap, Bug Tracker and Credits (authors,
contributors, maintainers). The text comes from the Markdown fragments in the
addon's ``readme/`` folder (``DESCRIPTION.md``, ``CONFIGURE.md``,
``USAGE.md``, ``ROADMAP.md``, ``CONTRIBUTORS.md``, and OCA's other fragment
names); a ``.rst`` fragment is taken as it is. The facts come from
``__manifest__.py``.

Screenshots are files named ``screenshot*.png`` (or ``.jpg``, ``.jpeg``,
``.gif``, ``.webp``) in ``static/description/``; they are shown, sorted by
name, at the end of the Usage section.

``static/description/index.html``, the page Odoo shows for the addon in the
Apps menu, is the same reStructuredText rendered to HTML by docutils. Images
there are named relative to ``static/description/``, which Odoo rewrites to the
addon's static URL; in README.rst they are relative to the addon folder, as
GitHub expects.

Markdown is converted by the small converter below, which knows the subset the
fragments use: ATX and setext headings, paragraphs, bullet and numbered lists
(nested), fenced and indented code blocks, standalone images, inline code,
bold, italics, links and autolinks, backslash escapes. Anything else is kept
as text.

Output is deterministic: no dates, no docutils version, no local path. The
HTML depends on the docutils release (its stylesheet is embedded), so the
repository pins the one Odoo 18 pins, docutils 0.20.1.

Usage::

    python3 scripts/gen_readme.py            # (re)write the files
    python3 scripts/gen_readme.py --check    # exit 1 when a file is stale
    python3 scripts/gen_readme.py ADDON ...  # only these addons
"""

import argparse
import ast
import io
import re
import sys
from pathlib import Path

from docutils.core import publish_string
from docutils.utils import SystemMessage

ROOT = Path(__file__).resolve().parent.parent

#: Fragments of ``readme/`` in the order of the document, with their section
#: titles; the description and the credits have no section of their own here.
FRAGMENTS = (
    ("DESCRIPTION", None),
    ("CONTEXT", "Use Cases / Context"),
    ("INSTALL", "Installation"),
    ("CONFIGURE", "Configuration"),
    ("USAGE", "Usage"),
    ("DEVELOP", "Development"),
    ("ROADMAP", "Known issues / Roadmap"),
    ("HISTORY", "Changelog"),
)
CREDIT_FRAGMENTS = (("CONTRIBUTORS", "Contributors"), ("CREDITS", "Other credits"))

#: Underline characters of the sections (level 1) and their subsections.
SECTION_CHAR = "="
SUBSECTION_CHAR = "-"

#: Heading characters for the Markdown headings of a fragment, ``#`` first.
#: Fragments in a section start one level below it; the description, which
#: has no section, starts at the section level.
FRAGMENT_HEADING_CHARS = "-~^\"'`"
DESCRIPTION_HEADING_CHARS = "=-~^\"'"

SCREENSHOT_RE = re.compile(r"^screenshot[\w.-]*\.(png|jpe?g|gif|webp)$", re.I)

MATURITY_BADGES = {
    "alpha": ("Alpha", "red"),
    "beta": ("Beta", "yellow"),
    "production/stable": ("Production/Stable", "green"),
    "mature": ("Mature", "brightgreen"),
}
LICENSE_URLS = {
    "AGPL-3": "https://www.gnu.org/licenses/agpl-3.0-standalone.html",
    "LGPL-3": "https://www.gnu.org/licenses/lgpl-3.0-standalone.html",
    "GPL-3": "https://www.gnu.org/licenses/gpl-3.0-standalone.html",
}
DEVELOPMENT_STATUS_URL = "https://odoo-community.org/page/development-status"

#: docutils settings: no file inclusion nor raw HTML, stop on any warning, no
#: configuration file of the machine, no syntax highlighting (which would make
#: the page depend on whether Pygments is installed), no XML declaration
#: (Odoo 17+ warns about it).
DOCUTILS_SETTINGS = {
    "_disable_config": True,
    "file_insertion_enabled": False,
    "raw_enabled": False,
    "halt_level": 2,
    "report_level": 2,
    "smart_quotes": True,
    "syntax_highlight": "none",
    "xml_declaration": False,
    "output_encoding": "unicode",
    "embed_stylesheet": True,
}

# --------------------------------------------------------------------------
# Markdown to reStructuredText
# --------------------------------------------------------------------------

_BULLET_RE = re.compile(r"^( {0,3})([-*+])( +|$)(.*)$")
_ORDERED_RE = re.compile(r"^( {0,3})(\d{1,9})([.)])( +|$)(.*)$")
_FENCE_RE = re.compile(r"^( {0,3})(`{3,}|~{3,})\s*([\w+#.-]*)[^`]*$")
_ATX_RE = re.compile(r"^ {0,3}(#{1,6})(?:\s+(.*?))?(?:\s+#+)?\s*$")
_SETEXT_RE = re.compile(r"^ {0,3}(=+|-+)\s*$")
_IMAGE_BLOCK_RE = re.compile(r"^!\[([^\]]*)\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)$")

_INLINE_RE = re.compile(
    r"""
    (?P<ticks>`+)(?P<code>.+?)(?P=ticks)
    | <(?P<autolink>(?:https?://|mailto:)[^>\s]+)>
    | !\[(?P<img_alt>[^\]]*)\]\((?P<img_src>[^)\s]+)(?:\s+"[^"]*")?\)
    | \[(?P<link_text>[^\]]+)\]\((?P<link_url>[^)\s]+)(?:\s+"[^"]*")?\)
    | \*\*(?P<strong>[^\s*](?:.*?[^\s*])??)\*\*
    | (?<!\w)__(?P<strong_u>[^\s_](?:.*?[^\s_])??)__(?!\w)
    | \*(?P<em>[^\s*](?:.*?[^\s*])??)\*
    | (?<!\w)_(?P<em_u>[^\s_](?:.*?[^\s_])??)_(?!\w)
    | \\(?P<escaped>[!-/:-@\[-`{-~])
    """,
    re.VERBOSE | re.DOTALL,
)

# Characters around which reStructuredText recognises inline markup; next to
# any other character the markup is separated by an escaped space.
_MARKUP_BEFORE = frozenset(" \n\t-:/'\"<([{")
_MARKUP_AFTER = frozenset(" \n\t-.,:;!?\\/'\")]}>")

# A paragraph starting like this would be read as another construct
# (list, enumeration, option, field, comment, line block, doctest).
_RST_CONSTRUCT_RE = re.compile(
    r"^(?:[-+*\u2022\u2023\u2043](?:\s|$)|(?:\d+|[a-zA-Z]|[ivxlcdmIVXLCDM]+|#)"
    r"[.)](?:\s|$)|\((?:\d+|[a-zA-Z]|[ivxlcdmIVXLCDM]+|#)\)(?:\s|$)|\.\.(?:\s|$)"
    r"|::|:[^:\s][^:]*:(?:\s|$)|\||>>>|--?\w|/\w)"
)


def md_to_rst(text, heading_chars=FRAGMENT_HEADING_CHARS):
    """Convert Markdown ``text`` to reStructuredText.

    ``heading_chars`` gives the underline character of each heading level,
    ``#`` first. Returns the text with one final newline, or an empty string
    when ``text`` has no content.
    """
    lines = [line.rstrip() for line in text.expandtabs(4).splitlines()]
    rendered = _render_blocks(_parse_blocks(lines), heading_chars)
    return "\n".join(rendered) + "\n" if rendered else ""


def _indent_of(line):
    """Return the number of leading spaces of ``line``."""
    return len(line) - len(line.lstrip(" "))


def _list_marker(line):
    """Return ``(ordered, start, content_indent, text)`` for a list item line.

    Returns None when ``line`` does not start a list item.
    """
    match = _BULLET_RE.match(line)
    if match:
        lead, marker, space, rest = match.groups()
        return False, 1, len(lead) + len(marker) + max(len(space), 1), rest
    match = _ORDERED_RE.match(line)
    if match:
        lead, number, delim, space, rest = match.groups()
        width = len(lead) + len(number) + len(delim) + max(len(space), 1)
        return True, int(number), width, rest
    return None


def _interrupts_paragraph(line):
    """Tell whether ``line`` ends a paragraph by starting another block."""
    if _FENCE_RE.match(line) or _ATX_RE.match(line):
        return True
    marker = _list_marker(line)
    if marker is None:
        return False
    ordered, start, _indent, rest = marker
    # As in CommonMark: an empty item or a list not starting at 1 does not
    # interrupt a paragraph.
    return bool(rest.strip()) and (not ordered or start == 1)


def _parse_blocks(lines):
    """Parse Markdown ``lines`` into a list of block tuples.

    Blocks are ``("heading", level, text)``, ``("para", text)``,
    ``("code", language, lines)``, ``("image", alt, src)`` and
    ``("list", ordered, start, items)``, each item a list of blocks.
    """
    blocks = []
    index = 0
    while index < len(lines):
        line = lines[index]
        if not line.strip():
            index += 1
        elif _FENCE_RE.match(line):
            index = _parse_fence(lines, index, blocks)
        elif _ATX_RE.match(line):
            match = _ATX_RE.match(line)
            blocks.append(("heading", len(match.group(1)), match.group(2) or ""))
            index += 1
        elif line.startswith("    "):
            index = _parse_indented_code(lines, index, blocks)
        elif _list_marker(line):
            index = _parse_list(lines, index, blocks)
        else:
            index = _parse_paragraph(lines, index, blocks)
    return blocks


def _parse_fence(lines, index, blocks):
    """Add the fenced code block starting at ``index``; return the next index."""
    match = _FENCE_RE.match(lines[index])
    indent, fence, language = len(match.group(1)), match.group(2), match.group(3)
    closing = re.compile(rf"^ {{0,3}}{re.escape(fence[0])}{{{len(fence)},}}\s*$")
    body = []
    index += 1
    while index < len(lines) and not closing.match(lines[index]):
        line = lines[index]
        body.append(line[min(indent, _indent_of(line)) :])
        index += 1
    blocks.append(("code", language, body))
    return index + 1


def _parse_indented_code(lines, index, blocks):
    """Add the indented code block starting at ``index``; return the next index."""
    body = []
    while index < len(lines) and (
        lines[index].startswith("    ") or not lines[index].strip()
    ):
        body.append(lines[index][4:])
        index += 1
    while body and not body[-1].strip():
        body.pop()
    blocks.append(("code", "", body))
    return index


def _parse_paragraph(lines, index, blocks):
    """Add the paragraph (or setext heading) at ``index``; return the next index."""
    text = [lines[index].strip()]
    index += 1
    while index < len(lines) and lines[index].strip():
        line = lines[index]
        setext = _SETEXT_RE.match(line)
        if setext:
            level = 1 if setext.group(1)[0] == "=" else 2
            blocks.append(("heading", level, " ".join(text)))
            return index + 1
        if _interrupts_paragraph(line):
            break
        text.append(line.strip())
        index += 1
    paragraph = "\n".join(text)
    image = _IMAGE_BLOCK_RE.match(paragraph)
    if image:
        blocks.append(("image", image.group(1), image.group(2)))
    else:
        blocks.append(("para", paragraph))
    return index


def _parse_list(lines, index, blocks):
    """Add the list starting at ``index``; return the index after it."""
    ordered, start, _indent, _text = _list_marker(lines[index])
    items = []
    while index < len(lines):
        marker = _list_marker(lines[index])
        if marker is None or marker[0] != ordered:
            break
        content_indent = marker[2]
        item_lines = [marker[3]]
        index += 1
        while index < len(lines):
            line = lines[index]
            if not line.strip():
                following = index
                while following < len(lines) and not lines[following].strip():
                    following += 1
                if (
                    following < len(lines)
                    and _indent_of(lines[following]) >= content_indent
                ):
                    item_lines.extend([""] * (following - index))
                    index = following
                    continue
                break
            if _indent_of(line) >= content_indent:
                item_lines.append(line[content_indent:])
            elif (
                item_lines[-1].strip()
                and not _interrupts_paragraph(line)
                and not _list_marker(line)
            ):
                # A lazy continuation line of the item's paragraph.
                item_lines.append(line.strip())
            else:
                break
            index += 1
        items.append(_parse_blocks(item_lines))

        following = index
        while following < len(lines) and not lines[following].strip():
            following += 1
        marker = following < len(lines) and _list_marker(lines[following])
        if not marker or marker[0] != ordered:
            break
        index = following
    blocks.append(("list", ordered, start, items))
    return index


def _render_blocks(blocks, heading_chars):
    """Render parsed ``blocks`` to reStructuredText; return a list of lines."""
    out = []
    for block in blocks:
        rendered = _render_block(block, heading_chars)
        if not rendered:
            continue
        if out:
            out.append("")
        out.extend(rendered)
    return out


def _render_block(block, heading_chars):
    """Render one parsed block; return a list of lines."""
    kind = block[0]
    if kind == "heading":
        title = _inline(block[2]).replace("\n", " ")
        if not title:
            return []
        char = heading_chars[min(block[1], len(heading_chars)) - 1]
        return [title, char * len(title)]
    if kind == "para":
        return _render_paragraph(block[1])
    if kind == "image":
        return [f".. image:: {block[2]}", f"   :alt: {block[1] or block[2]}"]
    if kind == "code":
        return _render_code(block[1], block[2])
    return _render_list(block[1], block[2], block[3], heading_chars)


def _render_paragraph(text):
    """Render a paragraph's Markdown ``text``; return a list of lines."""
    rst = _inline(text)
    if _RST_CONSTRUCT_RE.match(rst):
        rst = "\\" + rst
    if rst.endswith("::"):
        # A final "::" would announce a literal block.
        rst = rst[:-1] + "\\:"
    return rst.split("\n")


def _render_code(language, body):
    """Render a code block; return a list of lines (none when it is empty)."""
    if not any(line.strip() for line in body):
        return []
    head = f".. code:: {language}" if language else "::"
    return [head, ""] + [f"   {line}" if line.strip() else "" for line in body]


def _render_list(ordered, start, items, heading_chars):
    """Render a bullet or numbered list; return a list of lines."""
    # Items holding more than one paragraph need blank lines between them,
    # or a nested block would end without the blank line docutils wants.
    loose = any(len(item) != 1 or item[0][0] != "para" for item in items)
    out = []
    for number, item in enumerate(items, start):
        marker = f"{number}." if ordered else "-"
        body = _render_blocks(item, heading_chars) or [""]
        pad = " " * (len(marker) + 1)
        if out and loose:
            out.append("")
        out.append(f"{marker} {body[0]}".rstrip())
        out.extend(f"{pad}{line}" if line else "" for line in body[1:])
    return out


def _escape(text):
    """Escape plain ``text`` so that no character of it reads as markup."""
    text = text.replace("\\", "\\\\")
    text = re.sub(r"([*`|])", r"\\\1", text)
    # An underscore at a word's edge would make a reference ("word_").
    return re.sub(r"(?<!\w)_|_(?!\w)", r"\\_", text)


def _plain(markdown):
    """Return the text of inline ``markdown`` without its markup."""
    return _INLINE_RE.sub(
        lambda m: next(
            value
            for value in (
                m.group("code"),
                m.group("autolink"),
                m.group("img_alt"),
                m.group("link_text"),
                m.group("strong"),
                m.group("strong_u"),
                m.group("em"),
                m.group("em_u"),
                m.group("escaped"),
            )
            if value is not None
        ),
        markdown,
    )


def _inline_token(match):
    """Return the reStructuredText of one inline Markdown construct."""
    groups = match.groupdict()
    if groups["code"] is not None:
        # reStructuredText wants no space inside the backquotes.
        code = groups["code"].strip()
        return f"``{code}``" if code else _escape(match.group(0))
    if groups["autolink"] is not None:
        return groups["autolink"].removeprefix("mailto:")
    if groups["img_src"] is not None or groups["link_url"] is not None:
        url = groups["link_url"] or groups["img_src"]
        label = _plain(groups["link_text"] or groups["img_alt"] or url)
        label = re.sub(r"([\\`<])", r"\\\1", label)
        return f"`{label} <{url}>`__"
    for name, mark in (
        ("strong", "**"),
        ("strong_u", "**"),
        ("em", "*"),
        ("em_u", "*"),
    ):
        if groups[name] is not None:
            return mark + re.sub(r"([\\*`])", r"\\\1", _plain(groups[name])) + mark
    return "\\" + groups["escaped"]


def _inline(text):
    """Convert the inline Markdown of ``text`` to reStructuredText."""
    out = []
    position = 0
    for match in _INLINE_RE.finditer(text):
        out.append(_escape(text[position : match.start()]))
        token = _inline_token(match)
        if match.group("escaped") is None:
            previous = "".join(out)[-1:]
            if previous and previous not in _MARKUP_BEFORE:
                out.append("\\ ")
            out.append(token)
            following = text[match.end() : match.end() + 1]
            if following and following not in _MARKUP_AFTER:
                out.append("\\ ")
        else:
            out.append(token)
        position = match.end()
    out.append(_escape(text[position:]))
    return "".join(out)


# --------------------------------------------------------------------------
# README.rst and index.html
# --------------------------------------------------------------------------


def find_addons(root=ROOT):
    """Return the sorted addon folders of ``root`` that have a readme fragment."""
    return sorted(
        path.parent
        for path in root.glob("*/__manifest__.py")
        if any((path.parent / "readme").glob("DESCRIPTION.*"))
    )


def read_manifest(addon_dir):
    """Return the manifest dict of ``addon_dir``."""
    return ast.literal_eval((addon_dir / "__manifest__.py").read_text("utf-8"))


def read_fragment(addon_dir, name, heading_chars=FRAGMENT_HEADING_CHARS):
    """Return fragment ``name`` of ``addon_dir`` as reStructuredText.

    ``readme/<name>.md`` is converted, ``readme/<name>.rst`` is taken as it is.
    Returns an empty string when the fragment is missing or empty.
    """
    markdown = addon_dir / "readme" / f"{name}.md"
    if markdown.exists():
        return md_to_rst(markdown.read_text("utf-8"), heading_chars)
    rst = addon_dir / "readme" / f"{name}.rst"
    if rst.exists() and rst.read_text("utf-8").strip():
        return rst.read_text("utf-8").strip() + "\n"
    return ""


def find_screenshots(addon_dir):
    """Return the sorted screenshot file names of ``static/description``."""
    folder = addon_dir / "static" / "description"
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if SCREENSHOT_RE.match(p.name))


def _github_repo(manifest):
    """Return ``(organisation, repository)`` of the manifest's GitHub website.

    Returns None when the website is not a GitHub repository.
    """
    match = re.match(
        r"^https?://github\.com/([\w.-]+)/([\w.-]+?)(?:\.git)?/?$",
        manifest.get("website", ""),
    )
    return match.groups() if match else None


def _badges(manifest, addon_name, branch):
    """Return the ``(image, target, alt)`` badges of the addon."""
    badges = []
    status = manifest.get("development_status", "Beta").lower()
    if status in MATURITY_BADGES:
        label, colour = MATURITY_BADGES[status]
        badges.append(
            (
                f"https://img.shields.io/badge/maturity-{_shield(label)}-{colour}.png",
                DEVELOPMENT_STATUS_URL,
                label,
            )
        )
    license_ = manifest.get("license", "LGPL-3")
    badges.append(
        (
            f"https://img.shields.io/badge/license-{_shield(license_)}-blue.png",
            LICENSE_URLS.get(license_, "https://www.odoo.com/documentation/"),
            f"License: {license_}",
        )
    )
    repo = _github_repo(manifest)
    if repo:
        org, name = repo
        badges.append(
            (
                f"https://img.shields.io/badge/github-{_shield(org)}%2F{_shield(name)}"
                "-lightgray.png?logo=github",
                f"https://github.com/{org}/{name}/tree/{branch}/{addon_name}",
                f"{org}/{name}",
            )
        )
    return badges


def _shield(text):
    """Escape ``text`` for a shields.io static badge path."""
    return text.replace("-", "--").replace("_", "__").replace("/", "%2F")


def _section(title, body, char=SECTION_CHAR):
    """Return a reStructuredText section, or nothing when ``body`` is empty."""
    if not body.strip():
        return []
    return [title, char * len(title), "", body.rstrip("\n"), ""]


def build_rst(addon_dir, image_prefix="static/description/"):
    """Return the README reStructuredText of ``addon_dir``.

    ``image_prefix`` is put before the screenshots' file names: the path from
    the rendered document to ``static/description/``.
    """
    manifest = read_manifest(addon_dir)
    addon_name = addon_dir.name
    title = manifest["name"]
    branch = ".".join(manifest.get("version", "18.0").split(".")[:2])
    status = manifest.get("development_status", "Beta").lower()
    badges = _badges(manifest, addon_name, branch)

    out = ["=" * len(title), title, "=" * len(title), ""]
    out += [
        "..",
        "   !! This file is generated by scripts/gen_readme.py from readme/*.md",
        "   !! and __manifest__.py: changes made here will be overwritten.",
        "",
    ]
    for number, (image, target, alt) in enumerate(badges, 1):
        out += [
            f".. |badge{number}| image:: {image}",
            f"    :target: {target}",
            f"    :alt: {alt}",
        ]
    out += ["", " ".join(f"|badge{n}|" for n in range(1, len(badges) + 1)), ""]

    description = read_fragment(addon_dir, "DESCRIPTION", DESCRIPTION_HEADING_CHARS)
    if description:
        out += [description.rstrip("\n"), ""]
    if status == "alpha":
        out += [
            ".. IMPORTANT::",
            "   This is an alpha version: the data model and the design can change"
            " at any time",
            "   without warning. Use it for development or tests only, not in"
            " production.",
            f"   `More about development status <{DEVELOPMENT_STATUS_URL}>`_",
            "",
        ]
    out += ["**Table of contents**", "", ".. contents::", "   :local:", ""]

    for name, section_title in FRAGMENTS[1:]:
        body = read_fragment(addon_dir, name)
        if name == "USAGE":
            body = _with_screenshots(body, addon_dir, title, image_prefix)
        out += _section(section_title, body)

    repo = _github_repo(manifest)
    if repo:
        out += _bug_tracker(repo, addon_name, branch)
    out += _credits(addon_dir, manifest, repo, addon_name, branch)
    return "\n".join(out).rstrip("\n") + "\n"


def _with_screenshots(body, addon_dir, title, image_prefix):
    """Return the Usage ``body`` followed by the addon's screenshots."""
    images = []
    for name in find_screenshots(addon_dir):
        label = Path(name).stem.replace("_", " ").replace("-", " ")
        images += [
            f".. image:: {image_prefix}{name}",
            f"   :alt: {title}: {label}",
            "   :width: 100%",
            "",
        ]
    if not images:
        return body
    return (body.rstrip("\n") + "\n\n" if body else "") + "\n".join(images)


def _bug_tracker(repo, addon_name, branch):
    """Return the lines of the Bug Tracker section."""
    org, name = repo
    issues = f"https://github.com/{org}/{name}/issues"
    body = (
        "%0A**Steps%20to%20reproduce**%0A-%20...%0A%0A**Current%20behavior**"
        "%0A%0A**Expected%20behavior**"
    )
    new_issue = (
        f"{issues}/new?body=module:%20{addon_name}%0Aversion:%20{branch}%0A{body}"
    )
    text = "\n".join(
        [
            f"Bugs are tracked on `GitHub Issues <{issues}>`_.",
            "In case of trouble, please check there if your issue has already been"
            " reported.",
            "If you spotted it first, help us to smash it by providing a detailed"
            " and welcomed",
            f"`feedback <{new_issue}>`_.",
            "",
            "Do not contact contributors directly about support or help with"
            " technical issues.",
        ]
    )
    return _section("Bug Tracker", text)


def _credits(addon_dir, manifest, repo, addon_name, branch):
    """Return the lines of the Credits section."""
    out = ["Credits", SECTION_CHAR * 7, ""]
    # OCA is named among the authors so that apps.odoo.com finds the addon; it
    # is not an author.
    authors = [
        author.strip()
        for author in manifest.get("author", "").split(",")
        if author.strip() and "(OCA)" not in author
    ]
    if authors:
        out += _section(
            "Authors", "\n".join(f"- {a}" for a in authors), SUBSECTION_CHAR
        )
    for name, title in CREDIT_FRAGMENTS:
        out += _section(title, read_fragment(addon_dir, name), SUBSECTION_CHAR)

    maintainers = manifest.get("maintainers", [])
    lines = []
    if maintainers:
        for login in maintainers:
            lines += [
                f".. |maintainer-{login}| image:: https://github.com/{login}.png"
                "?size=40px",
                f"    :target: https://github.com/{login}",
                f"    :alt: {login}",
            ]
        plural = "s" if len(maintainers) > 1 else ""
        lines += [
            "",
            f"Current maintainer{plural}:",
            "",
            " ".join(f"|maintainer-{login}|" for login in maintainers),
            "",
        ]
    if repo:
        org, name = repo
        lines += [
            f"This module is part of the `{org}/{name} <https://github.com/{org}/"
            f"{name}/tree/{branch}/{addon_name}>`_ project on GitHub.",
            "",
            "You are welcome to contribute.",
        ]
    out += _section("Maintainers", "\n".join(lines), SUBSECTION_CHAR)
    return out


def rst_to_html(rst):
    """Render reStructuredText ``rst`` to a complete HTML page.

    Raises ``ValueError`` with docutils' message on any warning or error.
    """
    settings = dict(DOCUTILS_SETTINGS, warning_stream=io.StringIO())
    try:
        html = publish_string(rst, writer_name="html4css1", settings_overrides=settings)
    except SystemMessage as err:
        raise ValueError(str(err)) from err
    # The generator tag names the docutils release; keep the page stable.
    html = re.sub(r'<meta name="generator"[^>]*>\n', "", html)
    return html.rstrip("\n") + "\n"


def generate(addon_dir):
    """Return ``{path: content}`` of the files generated for ``addon_dir``."""
    readme = build_rst(addon_dir, image_prefix="static/description/")
    page = rst_to_html(build_rst(addon_dir, image_prefix=""))
    return {
        addon_dir / "README.rst": readme,
        addon_dir / "static" / "description" / "index.html": page,
    }


def main(argv=None, root=ROOT):
    """Write, or with ``--check`` compare, the generated files of ``root``.

    Returns the exit status: 1 when ``--check`` finds a stale or missing file,
    or when a readme does not render; 0 otherwise.
    """
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 when a generated file differs",
    )
    parser.add_argument("addons", nargs="*", help="addon folder names (default: all)")
    args = parser.parse_args(argv)

    addons = find_addons(root)
    if args.addons:
        addons = [root / name for name in args.addons]
    status = 0
    for addon_dir in addons:
        try:
            files = generate(addon_dir)
        except (ValueError, OSError, SyntaxError, KeyError) as err:
            print(f"{addon_dir.name}: cannot generate the readme: {err}")
            status = 1
            continue
        for path, content in files.items():
            current = path.read_text("utf-8") if path.exists() else None
            if current == content:
                continue
            relative = path.relative_to(root)
            if args.check:
                print(f"{relative} is not up to date: run scripts/gen_readme.py")
                status = 1
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(content, "utf-8")
                print(f"wrote {relative}")
    return status


if __name__ == "__main__":
    sys.exit(main())
