"""Compare each addon's German translation with the strings its code has now.

Usage: python3 scripts/check_translations.py EXPORT_DIR ADDON [ADDON ...]

EXPORT_DIR holds ``<addon>.pot`` files freshly exported by Odoo from a database
where the addons are installed (scripts/test does that). For each addon, the
German file ``<addon>/i18n/de.po`` must translate every string of the export
(missing: absent, empty or fuzzy) and hold none that the export lacks
(stale). A string that stays the same in German ("Status", "URL") has an empty
translation, as the OCA po checks want, and the translator comment
``identical in German`` says it was not forgotten. With ``--update``, the
templates ``<addon>/i18n/<addon>.pot`` are replaced by the exports and the
German files are merged with them (new strings left empty), which is the way
to start a translation.

Prints one line per problem and a summary; exits 1 when any is found.
"""

import argparse
import pathlib
import sys

import polib

ROOT = pathlib.Path(__file__).resolve().parent.parent
#: Translator comment of a string that is the same in German.
IDENTICAL = "identical in German"


def _key(entry):
    return (entry.msgctxt or "", entry.msgid)


def check(export_dir, addon):
    """Return a list of problem lines for ``addon``."""
    template = polib.pofile(str(export_dir / (f"{addon}.pot")))
    po_path = ROOT / addon / "i18n" / "de.po"
    if not po_path.exists():
        return [f"{addon}: no i18n/de.po"]
    german = polib.pofile(str(po_path))
    wanted = {_key(entry) for entry in template if not entry.obsolete}
    translated = {_key(entry): entry for entry in german if not entry.obsolete}
    problems = []
    for key in sorted(wanted):
        entry = translated.get(key)
        if entry is None:
            problems.append(f"{addon}: missing: {key[1][:70]!r}")
        elif "fuzzy" in entry.flags or not (
            entry.msgstr.strip() or IDENTICAL in (entry.tcomment or "")
        ):
            problems.append(f"{addon}: untranslated: {key[1][:70]!r}")
    for key in sorted(set(translated) - wanted):
        problems.append(f"{addon}: stale: {key[1][:70]!r}")
    return problems


def update(export_dir, addon):
    """Refresh the addon's template and merge it into its German file."""
    exported = export_dir / (f"{addon}.pot")
    i18n = ROOT / addon / "i18n"
    i18n.mkdir(exist_ok=True)
    template = polib.pofile(str(exported))
    template.save(str(i18n / (f"{addon}.pot")))
    po_path = i18n / "de.po"
    german = polib.pofile(str(po_path)) if po_path.exists() else polib.POFile()
    german.metadata = dict(template.metadata, Language="de")
    german.metadata["Content-Type"] = "text/plain; charset=UTF-8"
    german.merge(template)
    german[:] = [entry for entry in german if not entry.obsolete]
    german.save(str(po_path))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("export_dir", type=pathlib.Path)
    parser.add_argument("addons", nargs="+")
    parser.add_argument("--update", action="store_true")
    args = parser.parse_args(argv)
    if args.update:
        for addon in args.addons:
            update(args.export_dir, addon)
    problems = []
    for addon in args.addons:
        problems.extend(check(args.export_dir, addon))
    for line in problems:
        print(line)
    print(f"translations: {len(args.addons)} addons checked, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
