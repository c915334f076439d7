import logging

_logger = logging.getLogger(__name__)


def post_init_hook(env):
    """Disable the demo payment provider on a database without demo data.

    ``payment_demo`` is a dependency for the demo and the browser tour only;
    it installs its provider published in test mode, which a real shop must
    not offer.
    """
    module = env.ref("base.module_website_sale_kubernetes_subscription_oca")
    provider = env.ref("payment.payment_provider_demo", raise_if_not_found=False)
    if module.demo or not provider or provider.state == "disabled":
        return
    provider.write({"state": "disabled", "is_published": False})
    _logger.info("demo payment provider disabled: the database has no demo data")
