"""Make the addons' plain-Python packages importable without an Odoo server.

The addons keep their ORM-free code (rendering, cluster clients, errors) in
``<addon>/lib``. These tests import it under its real name,
``odoo.addons.<addon>.lib``, but without running the addon's ``__init__``
(which loads models): each addon is registered here as a bare package whose
path is its folder. When Odoo itself is importable, its ``odoo.addons``
package is reused, so the OCA addons installed as wheels stay reachable.
"""

import importlib
import pathlib
import sys
import types

ROOT = pathlib.Path(__file__).resolve().parent.parent


def _bare_package(name, path):
    module = types.ModuleType(name)
    module.__path__ = [str(path)]
    module.__package__ = name
    sys.modules[name] = module
    return module


def _register_addons():
    try:
        addons = importlib.import_module("odoo.addons")
    except ImportError:
        odoo = sys.modules.get("odoo") or _bare_package("odoo", ROOT / "_odoo")
        addons = _bare_package("odoo.addons", ROOT / "_odoo_addons")
        odoo.addons = addons
    for manifest in ROOT.glob("*/__manifest__.py"):
        name = manifest.parent.name
        full = f"odoo.addons.{name}"
        if full in sys.modules:
            continue
        setattr(addons, name, _bare_package(full, manifest.parent))


_register_addons()
