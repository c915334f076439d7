"""Customer portal routes for OCA subscriptions.

Three routes, each thin, each backed by an overridable ``_prepare_*`` step:

* ``/my/subscriptions``: the list, with pager, sorting, filters and search;
  values from :meth:`SubscriptionPortal._prepare_subscriptions_portal_values`.
* ``/my/subscriptions/<id>``: one subscription; values from
  :meth:`SubscriptionPortal._prepare_subscription_portal_values`, the hook
  other addons extend to add sections to the page (their templates go into
  ``<div id="subscription_extra_sections"/>``).
* ``/my/subscriptions/<id>/close`` (POST): closes a running subscription with a
  reason, through the same wizard as the backend.

Access follows core: a logged-in customer reaches the subscriptions of their
commercial partner (record rule), anyone else needs the record's
``access_token``. A subscription the visitor may not reach answers 404, as one
that does not exist, whether the visitor is signed in or brings a wrong token;
an anonymous visitor without a token is sent to the login page instead. The
pages shown by GET write nothing and run on a read-only cursor.
"""

import logging

from werkzeug.urls import url_encode

from odoo import http
from odoo.exceptions import AccessError, MissingError, UserError
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager

_logger = logging.getLogger(__name__)


class SubscriptionPortal(CustomerPortal):
    """Portal pages listing, showing and closing the customer's subscriptions."""

    #: session key holding the ids of the last listed subscriptions, read by
    #: the record pager (previous / next) of the detail page
    _subscription_history_key = "my_subscriptions_history"

    # ------------------------------------------------------------------
    # Home tile
    # ------------------------------------------------------------------

    def _prepare_home_portal_values(self, counters):
        """Add ``subscription_count`` when the home page asks for it.

        :param list counters: names of the counters the page displays
        :return: dict of counter values
        """
        values = super()._prepare_home_portal_values(counters)
        if "subscription_count" in counters:
            Subscription = request.env["sale.subscription"]
            values["subscription_count"] = (
                Subscription.search_count(
                    self._prepare_subscriptions_domain(request.env.user.partner_id)
                )
                if Subscription.has_access("read")
                else 0
            )
        return values

    # ------------------------------------------------------------------
    # List
    # ------------------------------------------------------------------

    def _prepare_subscriptions_domain(self, partner):
        """Domain of the subscriptions listed for a partner.

        :param partner: ``res.partner`` of the logged-in user
        :return: a search domain
        """
        return [("partner_id", "child_of", [partner.commercial_partner_id.id])]

    def _get_subscription_searchbar_sortings(self):
        """Sort options of the list.

        :return: dict key -> ``{"label", "order"}``
        """
        return {
            "date": {
                "label": request.env._("Start Date"),
                "order": "date_start desc, id desc",
            },
            "name": {"label": request.env._("Reference"), "order": "name asc, id desc"},
            "stage": {"label": request.env._("Stage"), "order": "stage_id, id desc"},
        }

    def _get_subscription_searchbar_filters(self):
        """Filter options of the list.

        Stages are looked up with sudo: portal users cannot read the stage
        model, so a ``stage_id.type`` domain would be refused.

        :return: dict key -> ``{"label", "domain"}``
        """
        closed_stages = (
            request.env["sale.subscription.stage"]
            .sudo()
            .search([("type", "=", "post")])
        )
        return {
            "all": {"label": request.env._("All"), "domain": []},
            "in_progress": {
                "label": request.env._("In Progress"),
                "domain": [("in_progress", "=", True)],
            },
            "closed": {
                "label": request.env._("Closed"),
                "domain": [("stage_id", "in", closed_stages.ids)],
            },
        }

    def _get_subscription_searchbar_inputs(self):
        """Search fields of the list.

        :return: dict key -> ``{"input", "label"}``
        """
        return {
            "name": {"input": "name", "label": request.env._("Search in Reference")},
        }

    def _get_subscription_search_domain(self, search_in, search):
        """Domain for the text typed in the search box.

        :param str search_in: key of :meth:`_get_subscription_searchbar_inputs`
        :param str search: the text typed
        :return: a search domain, empty without text
        """
        if not search:
            return []
        return [("name", "ilike", search)]

    def _prepare_subscriptions_portal_values(
        self,
        page=1,
        sortby=None,
        filterby=None,
        search=None,
        search_in="name",
        **kwargs,
    ):
        """Values rendering the list page.

        Unknown ``sortby``, ``filterby`` or ``search_in`` keys fall back to the
        defaults rather than failing.

        :param int page: page number, from 1
        :param str sortby: key of :meth:`_get_subscription_searchbar_sortings`
        :param str filterby: key of :meth:`_get_subscription_searchbar_filters`
        :param str search: text to look for
        :param str search_in: key of :meth:`_get_subscription_searchbar_inputs`
        :return: dict of QWeb values; ``subscriptions`` is sudoed, it holds only
            records the user may read
        """
        Subscription = request.env["sale.subscription"]
        values = self._prepare_portal_layout_values()

        searchbar_sortings = self._get_subscription_searchbar_sortings()
        searchbar_filters = self._get_subscription_searchbar_filters()
        searchbar_inputs = self._get_subscription_searchbar_inputs()
        if sortby not in searchbar_sortings:
            sortby = "date"
        if filterby not in searchbar_filters:
            filterby = "all"
        if search_in not in searchbar_inputs:
            search_in = "name"

        domain = [
            *self._prepare_subscriptions_domain(request.env.user.partner_id),
            *searchbar_filters[filterby]["domain"],
            *self._get_subscription_search_domain(search_in, search),
        ]
        # An employee without sales rights sees an empty list, not an error.
        readable = Subscription.has_access("read")

        url = "/my/subscriptions"
        pager_values = portal_pager(
            url=url,
            total=Subscription.search_count(domain) if readable else 0,
            page=page,
            step=self._items_per_page,
            url_args={
                "sortby": sortby,
                "filterby": filterby,
                "search_in": search_in,
                "search": search,
            },
        )
        subscriptions = Subscription
        if readable:
            subscriptions = Subscription.search(
                domain,
                order=searchbar_sortings[sortby]["order"],
                limit=self._items_per_page,
                offset=pager_values["offset"],
            )

        values.update(
            {
                "subscriptions": subscriptions.sudo(),
                "page_name": "subscription",
                "pager": pager_values,
                "default_url": url,
                "searchbar_sortings": searchbar_sortings,
                "sortby": sortby,
                "searchbar_filters": searchbar_filters,
                "filterby": filterby,
                "searchbar_inputs": searchbar_inputs,
                "search_in": search_in,
                "search": search,
            }
        )
        return values

    @http.route(
        ["/my/subscriptions", "/my/subscriptions/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
        readonly=True,
    )
    def portal_my_subscriptions(self, **kwargs):
        """List the subscriptions of the logged-in customer.

        :param kwargs: ``page``, ``sortby``, ``filterby``, ``search``,
            ``search_in`` (see :meth:`_prepare_subscriptions_portal_values`)
        :return: the rendered ``portal_my_subscriptions`` page
        """
        values = self._prepare_subscriptions_portal_values(**kwargs)
        history = values["subscriptions"].ids[:100]
        request.session[self._subscription_history_key] = history
        return request.render("subscription_oca_portal.portal_my_subscriptions", values)

    # ------------------------------------------------------------------
    # Detail
    # ------------------------------------------------------------------

    def _get_subscription_portal_invoices(self, subscription_sudo):
        """Posted customer invoices of a subscription, newest first.

        Both invoicing modes of subscription_oca are covered: invoices made
        directly and invoices of the sale orders it generated.

        :param subscription_sudo: sudoed ``sale.subscription``
        :return: sudoed ``account.move`` records
        """
        invoices = (
            subscription_sudo.invoice_ids | subscription_sudo.sale_order_ids.invoice_ids
        )
        return invoices.filtered(
            lambda move: move.state == "posted" and move.is_sale_document()
        ).sorted(lambda move: (move.invoice_date or move.date, move.id), reverse=True)

    def _get_subscription_portal_invoice_url(self, invoice_sudo):
        """Path of an invoice's portal page, with its token when it has one.

        Unlike ``get_portal_url()``, this never writes a token: a signed-in
        customer reads their invoices without one, and an invoice sent by mail
        has one already.

        :param invoice_sudo: sudoed ``account.move``
        :return: a path with its query string
        """
        if not invoice_sudo.access_token:
            return invoice_sudo.access_url
        query = url_encode({"access_token": invoice_sudo.access_token})
        return f"{invoice_sudo.access_url}?{query}"

    def _get_subscription_recurrence_label(self, subscription_sudo):
        """Say how often the subscription is invoiced, e.g. "Every 1 Month(s)".

        :param subscription_sudo: sudoed ``sale.subscription``
        :return: a translated string
        """
        plan = subscription_sudo.template_id
        units = dict(
            plan._fields["recurring_rule_type"]._description_selection(request.env)
        )
        return request.env._(
            "Every %(count)s %(unit)s",
            count=plan.recurring_interval,
            unit=units.get(plan.recurring_rule_type, ""),
        )

    def _prepare_subscription_portal_values(self, subscription_sudo, **kwargs):
        """Values rendering the detail page of one subscription.

        This is the extension hook for addons adding sections to the page:
        call ``super()``, add your keys, and put your template inside
        ``//div[@id='subscription_extra_sections']`` of
        ``subscription_oca_portal.portal_subscription_page``.

        :param subscription_sudo: sudoed ``sale.subscription`` the user may see
        :param kwargs: request parameters (``access_token``, ``message``,
            ``error``, ...)
        :return: dict of QWeb values
        """
        close_reasons = request.env["sale.subscription.close.reason"].sudo().search([])
        invoices = self._get_subscription_portal_invoices(subscription_sudo)
        return {
            "subscription": subscription_sudo,
            "page_name": "subscription",
            "recurrence": self._get_subscription_recurrence_label(subscription_sudo),
            "invoices": invoices,
            "invoice_urls": {
                invoice.id: self._get_subscription_portal_invoice_url(invoice)
                for invoice in invoices
            },
            # Every subscription has a token since its creation or the
            # install of this addon; the page writes none.
            "chatter_token": subscription_sudo.access_token,
            "close_reasons": close_reasons,
            "can_close": subscription_sudo._portal_can_close(),
            "message": kwargs.get("message"),
            "error": kwargs.get("error"),
            "report_type": "html",
            "backend_url": (
                "/odoo/action-subscription_oca.sale_subscription_action/"
                f"{subscription_sudo.id}"
            ),
            "res_company": subscription_sudo.company_id,
            "subscription_apps": self._get_subscription_portal_apps(subscription_sudo),
        }

    def _get_subscription_portal_apps(self, subscription_sudo):
        """The hosted apps of the subscription, for the detail page.

        A soft dependency: subscriptions have apps only when the shop addon
        ``website_sale_kubernetes_subscription_oca`` is installed, and an app
        has a portal page only with ``kubernetes_portal``; without them the
        list is empty or the apps are not links.

        :return: list of dicts with ``name``, ``address``, ``status`` and
            ``portal_url`` (False without a portal page)
        """
        if "app_ids" not in subscription_sudo._fields:
            return []
        apps = subscription_sudo.app_ids.filtered(lambda app: app.state != "deleted")
        states = dict(apps._fields["state"]._description_selection(request.env))
        return [
            {
                "name": app.name,
                "address": app.url,
                "status": states.get(app.state, app.state),
                "portal_url": (
                    app.access_url if "access_url" in app._fields else False
                ),
            }
            for app in apps
        ]

    def _render_subscription_page(self, subscription_sudo, access_token=None, **kw):
        """Render the detail page with the hook's values.

        :param subscription_sudo: sudoed ``sale.subscription``
        :param str access_token: token the page was opened with, if any
        :return: the rendered ``portal_subscription_page``
        """
        values = self._prepare_subscription_portal_values(
            subscription_sudo, access_token=access_token, **kw
        )
        # No history key: core's record pager would write the tokens that the
        # neighbours lack; this page writes nothing.
        values = self._get_page_view_values(
            subscription_sudo, access_token, values, None, False, **kw
        )
        values.update(self._get_subscription_pager_values(subscription_sudo))
        return request.render(
            "subscription_oca_portal.portal_subscription_page", values
        )

    def _get_subscription_pager_values(self, subscription_sudo):
        """Links to the previous and the next subscription of the last list
        the visitor saw, as core's record pager gives them, without writing a
        token: a subscription that has one is linked with it, one that has
        none without (the list was seen signed in).

        :param subscription_sudo: sudoed ``sale.subscription`` shown
        :return: dict with ``prev_record`` and ``next_record``, each a path or
            False; empty when the subscription is not in the last list
        """
        history = request.session.get(self._subscription_history_key) or []
        if subscription_sudo.id not in history:
            return {}
        index = history.index(subscription_sudo.id)
        neighbours = {
            "prev_record": history[index - 1] if index > 0 else None,
            "next_record": history[index + 1] if index + 1 < len(history) else None,
        }
        values = {}
        for key, neighbour_id in neighbours.items():
            neighbour = subscription_sudo.browse(neighbour_id).exists()
            values[key] = (
                self._get_subscription_page_url(neighbour) if neighbour else False
            )
        return values

    def _get_subscription_page_url(self, subscription_sudo):
        """Path of a subscription's portal page, with its token when it has
        one; never writes a token, unlike ``get_portal_url()``.

        :param subscription_sudo: sudoed ``sale.subscription``
        :return: a path with its query string
        """
        if not subscription_sudo.access_token:
            return subscription_sudo.access_url
        query = url_encode({"access_token": subscription_sudo.access_token})
        return f"{subscription_sudo.access_url}?{query}"

    def _deny_subscription_access(self, subscription_id, access_token=None):
        """Answer a request for a subscription the visitor may not reach.

        The answer does not tell a foreign subscription from a missing one.

        :param int subscription_id: id of the ``sale.subscription`` asked for
        :param str access_token: the token the request brought, if any
        :return: for an anonymous visitor without a token, a redirect to the
            login page that comes back to the subscription's page
        :raise werkzeug.exceptions.NotFound: for anyone else
        """
        if request.env.user._is_public() and not access_token:
            return request.redirect_query(
                "/web/login", {"redirect": f"/my/subscriptions/{subscription_id}"}
            )
        raise request.not_found()

    @http.route(
        ["/my/subscriptions/<int:subscription_id>"],
        type="http",
        auth="public",
        website=True,
        readonly=True,
    )
    def portal_subscription_page(self, subscription_id, access_token=None, **kw):
        """Show one subscription.

        :param int subscription_id: id of the ``sale.subscription``
        :param str access_token: lets a visitor without access (mail link) in
        :param kw: ``message`` to show after an action
        :return: the rendered page; see :meth:`_deny_subscription_access` when
            the visitor may not see the subscription
        """
        try:
            subscription_sudo = self._document_check_access(
                "sale.subscription", subscription_id, access_token=access_token
            )
        except (AccessError, MissingError):
            return self._deny_subscription_access(subscription_id, access_token)
        kw.pop("error", None)
        return self._render_subscription_page(
            subscription_sudo, access_token=access_token, **kw
        )

    # ------------------------------------------------------------------
    # Close
    # ------------------------------------------------------------------

    def _get_portal_close_reason(self, close_reason_id):
        """Read the close reason posted by the form.

        :param str close_reason_id: the raw form value
        :return: a sudoed ``sale.subscription.close.reason``
        :raise UserError: when the value names no existing reason
        """
        try:
            reason_id = int(close_reason_id or 0)
        except ValueError:
            reason_id = 0
        reason = request.env["sale.subscription.close.reason"].sudo().browse(reason_id)
        if not reason_id or not reason.exists():
            raise UserError(
                request.env._("Please choose one of the proposed closing reasons.")
            )
        return reason

    @http.route(
        ["/my/subscriptions/<int:subscription_id>/close"],
        type="http",
        auth="public",
        methods=["POST"],
        website=True,
    )
    def portal_subscription_close(
        self,
        subscription_id,
        access_token=None,
        close_reason_id=None,
        close_comment=None,
        **kw,
    ):
        """Close a running subscription with the reason the customer chose.

        :param int subscription_id: id of the ``sale.subscription``
        :param str access_token: lets a visitor without access (mail link) in
        :param str close_reason_id: id of a ``sale.subscription.close.reason``
        :param str close_comment: optional free text, posted as a note
        :return: a redirect to the page with a confirmation; the page with an
            error and nothing changed on bad input; see
            :meth:`_deny_subscription_access` when the visitor may not see the
            subscription
        """
        try:
            subscription_sudo = self._document_check_access(
                "sale.subscription", subscription_id, access_token=access_token
            )
        except (AccessError, MissingError):
            return self._deny_subscription_access(subscription_id, access_token)

        user = request.env.user
        author = subscription_sudo.partner_id if user._is_public() else user.partner_id
        try:
            with request.env.cr.savepoint():
                reason = self._get_portal_close_reason(close_reason_id)
                subscription_sudo._portal_close(
                    reason, comment=close_comment, author=author
                )
        except UserError as err:
            _logger.debug("subscription %s not closed: %s", subscription_id, err)
            return self._render_subscription_page(
                subscription_sudo, access_token=access_token, error=str(err)
            )

        return request.redirect(
            subscription_sudo.get_portal_url(query_string="&message=closed")
        )
