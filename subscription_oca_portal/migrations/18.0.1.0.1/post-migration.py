from odoo import SUPERUSER_ID, api

from odoo.addons.subscription_oca_portal.hooks import give_access_tokens


def migrate(cr, version):
    """Give every subscription that shares its access token with others one of
    its own: version 18.0.1.0.0 gave all subscriptions of an installed database
    one."""
    if not version:
        return
    give_access_tokens(api.Environment(cr, SUPERUSER_ID, {}))
