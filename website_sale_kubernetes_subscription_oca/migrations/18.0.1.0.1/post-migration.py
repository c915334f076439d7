from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    """Remove the close reason "The order was cancelled" of version
    18.0.1.0.0, which every close offered, the portal's included: a cancelled
    order now closes its subscriptions without a reason, the notes say why.
    The subscriptions closed with it keep their notes."""
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    reason = env.ref(
        "website_sale_kubernetes_subscription_oca.close_reason_order_cancelled",
        raise_if_not_found=False,
    )
    if reason:
        reason.unlink()
