from odoo import models
from odoo.http import request
from odoo.tools.translate import LazyTranslate

_lt = LazyTranslate(__name__)

#: XML id of the checkout page where customers name their apps.
APP_NAME_STEP = "website_sale_kubernetes_subscription_oca.checkout_app_name"


class Website(models.Model):
    """The checkout gets an "App Name" step, between delivery and payment,
    when the cart holds an app product; guests are sent to sign in first."""

    _inherit = "website"

    def _kubernetes_cart_has_apps(self):
        """Whether the current visitor's cart holds an app product."""
        self.ensure_one()
        if not request:
            return False
        order_sudo = self.sale_get_order()
        return bool(order_sudo and order_sudo._get_kubernetes_app_lines())

    def _get_checkout_step_list(self):
        steps = super()._get_checkout_step_list()
        if not self._kubernetes_cart_has_apps():
            return steps

        if self.is_public_user():
            cart_values = steps[0][1]
            cart_values["main_button"] = _lt("Sign In")
            cart_values["main_button_href"] = "/web/login?redirect=/shop/cart"
            return steps

        position = next(
            (
                index
                for index, (xmlids, _values) in enumerate(steps)
                if "website_sale.checkout" in xmlids
            ),
            None,
        )
        if position is None:
            return steps
        steps.insert(
            position + 1,
            (
                [APP_NAME_STEP],
                {
                    "name": _lt("App Name"),
                    "current_href": "/shop/app_name",
                    "main_button": _lt("Continue checkout"),
                    "main_button_href": "/shop/app_name",
                    "back_button": _lt("Back to delivery"),
                    "back_button_href": "/shop/checkout",
                },
            ),
        )
        steps[position][1]["main_button_href"] = "/shop/confirm_order"
        payment_values = steps[-1][1]
        payment_values["back_button"] = _lt("Back to app name")
        payment_values["back_button_href"] = "/shop/app_name"
        return steps
