from urllib.parse import urlparse

from odoo import _
from odoo.exceptions import ValidationError
from odoo.http import request, route

from odoo.addons.kubernetes_base.lib import names
from odoo.addons.website_sale.controllers.main import WebsiteSale

from ..models.website import APP_NAME_STEP


class WebsiteSaleKubernetes(WebsiteSale):
    """Checkout of app products: sign-in, the "App Name" step, and the checks
    that keep an order without usable app names away from payment.

    The step sits between delivery (``/shop/confirm_order`` leads to it) and
    payment; ``/shop/extra_info``, ``/shop/payment`` and the payment
    transaction (``sale.order._check_cart_is_ready_to_be_paid``) check the
    names again, so no request can skip it. Express checkout, which skips
    every step, is refused for carts with apps.
    """

    # -- the app name step --------------------------------------------------

    @route(
        "/shop/app_name",
        type="http",
        methods=["GET"],
        auth="public",
        website=True,
        sitemap=False,
    )
    def shop_app_name(self, **_kwargs):
        """Show the form that names each app of the cart.

        :return: the rendered step, or a redirection when the cart is not
            ready for it
        """
        order_sudo = request.website.sale_get_order()
        if redirection := self._check_cart_and_addresses(order_sudo):
            return redirection
        if not order_sudo._get_kubernetes_app_lines():
            return request.redirect("/shop/confirm_order")
        values = self._prepare_app_name_values(order_sudo)
        return request.render(APP_NAME_STEP, values)

    @route(
        "/shop/app_name/submit",
        type="http",
        methods=["POST"],
        auth="public",
        website=True,
        sitemap=False,
    )
    def shop_app_name_submit(self, **post):
        """Store and reserve the names typed for the cart's apps.

        :param post: ``app_name_<line id>`` for each app line
        :return: a redirection to the next step, or the step again with the
            reason of each name refused
        """
        order_sudo = request.website.sale_get_order()
        if redirection := self._check_cart_and_addresses(order_sudo):
            return redirection
        lines_sudo = order_sudo._get_kubernetes_app_lines()
        if not lines_sudo:
            return request.redirect("/shop/confirm_order")

        typed = {line: post.get(f"app_name_{line.id}", "") for line in lines_sudo}
        problems = lines_sudo._submit_app_names(typed)
        if problems:
            values = self._prepare_app_name_values(
                order_sudo, problems=problems, typed=typed
            )
            return request.render(APP_NAME_STEP, values)
        return request.redirect(self._get_app_name_next_step())

    @route(
        "/shop/app_name/check",
        type="json",
        auth="public",
        website=True,
        readonly=True,
    )
    def shop_app_name_check(self, name="", line_id=None, **_kwargs):
        """Tell whether ``name`` can name an app, without reserving it.

        :param str name: the name as typed
        :param int line_id: the cart line the name is for, if any
        :return: ``{"name", "valid", "hostname", "message"}``: the name as it
            will be used, whether it can be, the resulting host name and a
            sentence for the customer (the address or the reason)
        """
        name = request.env["sale.order.line"]._normalize_app_name(name)
        company = request.website.company_id
        line_sudo = self._get_cart_line_sudo(line_id)
        if line_sudo:
            problem = line_sudo._get_app_name_problem(name)
        else:
            problem = request.env["kubernetes.app"]._get_name_problem(
                name, company
            ) or request.env["sale.order.line"]._get_app_address_problem(name, company)
        if problem:
            return {"name": name, "valid": False, "hostname": "", "message": problem}
        hostname = names.default_hostname(name, company.kubernetes_domain)
        return {
            "name": name,
            "valid": True,
            "hostname": hostname,
            "message": _("Your app will be at %(address)s", address=hostname),
        }

    def _get_cart_line_sudo(self, line_id):
        """Return the line ``line_id`` of the visitor's cart, read from the
        session without touching the cart, or an empty recordset."""
        order_sudo = (
            request.env["sale.order"]
            .sudo()
            .browse(request.session.get("sale_order_id"))
            .exists()
        )
        try:
            line_id = int(line_id or 0)
        except (TypeError, ValueError):
            line_id = 0
        return order_sudo.order_line.filtered(lambda line: line.id == line_id)

    def _prepare_app_name_values(self, order_sudo, problems=None, typed=None):
        """Return the values of the app name step.

        :param problems: ``{line: reason}`` for the names refused on submit
        :param typed: ``{line: name}`` as typed on submit, shown again
            instead of the lines' names
        """
        domain = order_sudo.company_id.kubernetes_domain or ""
        return {
            "website_sale_order": order_sudo,
            "order": order_sudo,
            "app_lines": order_sudo._get_kubernetes_app_lines(),
            "app_name_problems": {
                line.id: problem for line, problem in (problems or {}).items()
            },
            "app_name_values": {line.id: name for line, name in (typed or {}).items()},
            "app_domain": domain,
            "app_name_max_length": names.MAX_APP_NAME_LENGTH,
        }

    def _get_app_name_next_step(self):
        """Return the route that follows the app name step."""
        if request.website.viewref("website_sale.extra_info").active:
            return "/shop/extra_info"
        return "/shop/payment"

    def _check_app_names(self, order_sudo):
        """Return a redirection to the app name step while an app line of the
        cart has no name that can be had, else None."""
        if (
            order_sudo._get_kubernetes_app_lines()
            and order_sudo._get_app_name_problems()
        ):
            return request.redirect("/shop/app_name")
        return None

    # -- the other steps ----------------------------------------------------

    def _check_cart(self, order_sudo):
        if redirection := super()._check_cart(order_sudo):
            return redirection
        # Apps are bought with an account, which the invitation is sent to.
        if request.env.user._is_public() and order_sudo._get_kubernetes_app_lines():
            return request.redirect("/web/login?redirect=/shop/cart")
        return None

    @route()
    def shop_confirm_order(self, **post):
        """Lead a cart with apps from delivery to the app name step.

        :return: the redirection of ``website_sale``, or to ``/shop/app_name``
            where it would continue to extra info or payment
        """
        response = super().shop_confirm_order(**post)
        path = urlparse(response.location or "").path
        if path.endswith(("/shop/extra_info", "/shop/payment")):
            order_sudo = request.website.sale_get_order()
            if order_sudo._get_kubernetes_app_lines():
                return request.redirect("/shop/app_name")
        return response

    @route()
    def extra_info(self, **post):
        """Send a cart whose apps have no usable name back to the app name
        step; else show the extra info step."""
        order_sudo = request.website.sale_get_order()
        if (
            order_sudo
            and not self._check_cart(order_sudo)
            and (redirection := self._check_app_names(order_sudo))
        ):
            return redirection
        return super().extra_info(**post)

    @route()
    def shop_payment(self, **post):
        """Send a cart whose apps have no usable name back to the app name
        step; else show the payment step."""
        order_sudo = request.website.sale_get_order()
        if (
            order_sudo
            and not self._check_cart_and_addresses(order_sudo)
            and (redirection := self._check_app_names(order_sudo))
        ):
            return redirection
        return super().shop_payment(**post)

    def _get_shop_payment_errors(self, order):
        errors = super()._get_shop_payment_errors(order)
        if order.state in ("draft", "sent") and order._get_kubernetes_app_lines():
            for problem in order._get_app_name_problems().values():
                errors.append((_("Your app needs another name."), problem))
        return errors

    @route()
    def process_express_checkout(
        self, billing_address, shipping_address=None, shipping_option=None, **kwargs
    ):
        """Refuse express checkout for a cart with apps, before this route
        gives the cart the customer of the payment form: express checkout
        skips the sign-in and the app name step.

        Core's ``/shop/express/shipping_address_change``, called by the
        payment form before this route, can still give an anonymous cart a
        customer of its own. That is harmless: the checkout steps and the
        payment refuse a guest whatever the cart's customer (see
        ``sale.order._check_kubernetes_buyer``).

        :raise ValidationError: the cart holds an app
        """
        order_sudo = request.website.sale_get_order()
        if order_sudo and order_sudo._get_kubernetes_app_lines():
            raise ValidationError(
                _(
                    "Express checkout is not available for apps: sign in and check "
                    "out to name your app."
                )
            )
        return super().process_express_checkout(
            billing_address,
            shipping_address=shipping_address,
            shipping_option=shipping_option,
            **kwargs,
        )

    def _get_express_shop_payment_values(self, order, **kwargs):
        values = super()._get_express_shop_payment_values(order, **kwargs)
        # Express checkout skips the app name step: not for apps.
        if order._get_kubernetes_app_lines():
            values["providers_sudo"] = values["providers_sudo"].browse()
        return values

    def _cart_values(self, **post):
        values = super()._cart_values(**post)
        order_sudo = request.website.sale_get_order()
        values["kubernetes_login_required"] = bool(
            request.env.user._is_public()
            and order_sudo
            and order_sudo._get_kubernetes_app_lines()
        )
        values["kubernetes_signup_allowed"] = (
            request.env["res.users"].sudo()._get_signup_invitation_scope() == "b2c"
        )
        return values

    def _prepare_shop_payment_confirmation_values(self, order):
        values = super()._prepare_shop_payment_confirmation_values(order)
        values["kubernetes_app_lines"] = order.sudo()._get_kubernetes_app_lines()
        return values
