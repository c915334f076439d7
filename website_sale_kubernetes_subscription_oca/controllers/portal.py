"""The order's portal page, where a customer names an app again.

A paid order is confirmed even when the name of one of its apps was taken
meanwhile (see ``sale.order.line._create_kubernetes_app``): the line then
records why. Its portal page (``/my/orders/<id>``) asks the customer for
another name, and ``/my/orders/<id>/app_name`` creates the app with it.

The order's portal payment (``/my/orders/<id>/transaction``) checks a shop
cart with apps as the shop's own payment does.
"""

import logging

from werkzeug.urls import url_encode

from odoo import http
from odoo.exceptions import AccessError, MissingError, UserError, ValidationError
from odoo.http import request

from odoo.addons.kubernetes_base.lib import names
from odoo.addons.sale.controllers.portal import CustomerPortal, PaymentPortal

_logger = logging.getLogger(__name__)

#: The anchor of the section that asks for another name.
APP_NAMES_ANCHOR = "kubernetes_app_names"


class WebsiteSaleKubernetesPortal(CustomerPortal):
    """Naming again, from the order's portal page, the apps that could not be
    created at confirmation."""

    def _get_page_view_values(
        self, document, access_token, values, session_history, no_breadcrumbs, **kwargs
    ):
        values = super()._get_page_view_values(
            document, access_token, values, session_history, no_breadcrumbs, **kwargs
        )
        if document._name == "sale.order":
            values.update(self._prepare_app_rename_values(document))
        return values

    def _prepare_app_rename_values(self, order_sudo):
        """Return the values of the section that names apps again.

        A name the customer submitted and that was refused comes back in the
        query (``app_name_line``, ``app_name``); its reason is worked out
        again here, so the page says what holds now.

        :param order_sudo: the sudoed ``sale.order`` shown
        :returns: dict with ``kubernetes_app_rename_lines`` (the lines that
            need a name), ``kubernetes_app_rename_values`` and
            ``kubernetes_app_rename_problems`` (by line id), ``app_domain`` and
            ``app_name_max_length``
        """
        lines = order_sudo._get_kubernetes_app_lines().filtered(
            lambda line: line._needs_new_app_name()
        )
        typed_line = request.params.get("app_name_line")
        typed = request.params.get("app_name")
        rename_values, problems = {}, {}
        for line in lines:
            if typed is not None and typed_line == str(line.id):
                name = line._normalize_app_name(typed)
                rename_values[line.id] = typed
                problems[line.id] = line._get_app_name_problem(name)
            else:
                rename_values[line.id] = ""
        return {
            "kubernetes_app_rename_lines": lines,
            "kubernetes_app_rename_values": rename_values,
            "kubernetes_app_rename_problems": problems,
            "app_domain": order_sudo.company_id.kubernetes_domain or "",
            "app_name_max_length": names.MAX_APP_NAME_LENGTH,
        }

    @http.route(
        ["/my/orders/<int:order_id>/app_name"],
        type="http",
        auth="public",
        methods=["POST"],
        website=True,
    )
    def portal_order_app_name(self, order_id, access_token=None, line_id=None, **post):
        """Name the app of an order line again, and create it.

        :param order_id: id of the ``sale.order``
        :param access_token: lets a visitor without access (mail link) in
        :param line_id: id of the order line whose app needs a name
        :param post: ``app_name_<line id>``, the name as typed
        :returns: a redirection to the order's page: with a success message,
            or with the name typed so the page shows why it was refused
        """
        try:
            order_sudo = self._document_check_access(
                "sale.order", order_id, access_token=access_token
            )
        except (AccessError, MissingError):
            return request.redirect("/my")
        line_sudo = order_sudo.order_line.filtered(
            lambda line: str(line.id) == str(line_id)
        )
        if not line_sudo:
            return request.redirect(order_sudo.get_portal_url())

        # Act as the logged-in customer, so that the chatter names them.
        user = request.env.user
        if not user._is_public():
            line_sudo = line_sudo.with_user(user).sudo()
        typed = post.get(f"app_name_{line_sudo.id}", "")
        try:
            with request.env.cr.savepoint():
                app = line_sudo._rename_and_create_app(typed)
        except (UserError, ValidationError) as err:
            _logger.debug(
                "order %s: new app name refused: %s", order_sudo.name, err.args[0]
            )
            query = url_encode({"app_name_line": line_sudo.id, "app_name": typed})
            return request.redirect(
                order_sudo.get_portal_url(
                    query_string=f"&{query}", anchor=APP_NAMES_ANCHOR
                )
            )
        if app:
            return request.redirect(
                order_sudo.get_portal_url(
                    query_string="&message=kubernetes_app_created"
                )
            )
        return request.redirect(order_sudo.get_portal_url(anchor=APP_NAMES_ANCHOR))


class WebsiteSaleKubernetesPaymentPortal(PaymentPortal):
    """The portal payment of an order checks a shop cart with apps as
    ``/shop/payment/transaction`` does: a signed-in customer and names that
    can be had."""

    @http.route()
    def portal_order_transaction(self, order_id, access_token, **kwargs):
        """Refuse the payment of a shop cart with apps that is not ready for
        it; else create the transaction as usual.

        :raise ValidationError: the buyer is not signed in, or a name cannot
            be had
        """
        try:
            order_sudo = self._document_check_access(
                "sale.order", order_id, access_token=access_token
            )
        except (AccessError, MissingError):
            order_sudo = None  # Refused by the usual route, with its message.
        if (
            order_sudo
            and order_sudo.website_id
            and order_sudo.state in ("draft", "sent")
            and order_sudo._get_kubernetes_app_lines()
        ):
            order_sudo._check_kubernetes_app_payment()
        return super().portal_order_transaction(order_id, access_token, **kwargs)
