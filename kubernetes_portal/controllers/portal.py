"""Customer portal routes for Kubernetes apps.

Each route is thin and backed by an overridable ``_prepare_*`` or ``_get_*``
step:

* ``/my/apps``: the list, with pager, sorting, filters and search; values from
  :meth:`KubernetesAppPortal._prepare_apps_portal_values`.
* ``/my/apps/<id>``: one app (status, address, configuration, history);
  values from :meth:`KubernetesAppPortal._prepare_app_portal_values`.
* ``/my/apps/<id>/restart``, ``/my/apps/<id>/redeploy`` and
  ``/my/apps/<id>/config`` (POST, confirmed on the page): queue work through
  the model's action methods; the provisioning cron does the cluster work.

Access follows core: a logged-in customer reaches the apps of their commercial
partner (record rules), anyone else needs the app's ``access_token``. An app
the visitor may not reach answers 404, as one that does not exist, whether the
visitor is signed in or brings a wrong token; an anonymous visitor without a
token is sent to the login page instead. The actions run on the sudoed record
that ``_document_check_access`` returns, so portal users need no write access.
"""

import logging

from werkzeug.urls import url_encode

from odoo import _, http
from odoo.exceptions import AccessError, MissingError, UserError, ValidationError
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager

_logger = logging.getLogger(__name__)


class KubernetesAppPortal(CustomerPortal):
    """Portal pages listing, showing and acting on the customer's apps."""

    #: Session key holding the ids of the last listed apps, read by the record
    #: pager (previous / next) of the detail page.
    _app_history_key = "my_kubernetes_apps_history"
    #: Prefix of the form fields carrying configuration values, followed by
    #: the id of the configuration entry.
    _config_field_prefix = "value_"

    # -- home tile ------------------------------------------------------------

    def _prepare_home_portal_values(self, counters):
        """Add ``app_count`` when the home page asks for it.

        :param counters: names of the counters the page displays
        :returns: dict of counter values
        """
        values = super()._prepare_home_portal_values(counters)
        if "app_count" in counters:
            App = request.env["kubernetes.app"]
            values["app_count"] = (
                App.search_count(self._prepare_apps_domain(request.env.user.partner_id))
                if App.has_access("read")
                else 0
            )
        return values

    # -- list -----------------------------------------------------------------

    def _prepare_apps_domain(self, partner):
        """Return the domain of the apps listed for ``partner`` (a res.partner)."""
        return [("partner_id", "child_of", [partner.commercial_partner_id.id])]

    def _get_app_searchbar_sortings(self):
        """Return the sort options of the list: key to ``label`` and ``order``."""
        return {
            "name": {"label": _("Name"), "order": "name asc, id desc"},
            "newest": {"label": _("Newest"), "order": "create_date desc, id desc"},
            "status": {"label": _("Status"), "order": "state asc, name asc"},
            "environment": {
                "label": _("Environment"),
                "order": "environment_id asc, name asc",
            },
        }

    def _get_app_searchbar_filters(self):
        """Return the filter options of the list: key to ``label`` and ``domain``."""
        return {
            "all": {"label": _("All"), "domain": []},
            "running": {"label": _("Running"), "domain": [("state", "=", "running")]},
            "in_progress": {
                "label": _("In progress"),
                "domain": [("state", "in", ("draft", "queued", "deploying"))],
            },
            "failed": {"label": _("Failed"), "domain": [("state", "=", "failed")]},
            "suspended": {
                "label": _("Suspended"),
                "domain": [("state", "=", "suspended")],
            },
            "deleted": {"label": _("Deleted"), "domain": [("state", "=", "deleted")]},
        }

    def _get_app_searchbar_inputs(self):
        """Return the search fields of the list: key to ``input`` and ``label``."""
        return {
            "name": {"input": "name", "label": _("Search in Name and Address")},
            "environment": {
                "input": "environment",
                "label": _("Search in Environment"),
            },
            "product": {"input": "product", "label": _("Search in Product")},
            "all": {"input": "all", "label": _("Search in All")},
        }

    def _get_app_search_domain(self, search_in, search):
        """Return the domain of the text typed in the search box.

        Environments and products are looked up with sudo, portal users cannot
        read them; the result only narrows the user's own apps.

        :param search_in: a key of :meth:`_get_app_searchbar_inputs`
        :param search: the text typed, or None
        :returns: a domain, empty without text
        """
        if not search:
            return []
        domains = []
        if search_in in ("name", "all"):
            domains += [[("name", "ilike", search)], [("hostname", "ilike", search)]]
        if search_in in ("environment", "all"):
            environments = (
                request.env["kubernetes.environment"]
                .sudo()
                .search(["|", ("name", "ilike", search), ("short", "ilike", search)])
            )
            domains.append([("environment_id", "in", environments.ids)])
        if search_in in ("product", "all"):
            products = (
                request.env["product.product"]
                .sudo()
                .with_context(active_test=False)
                .search([("name", "ilike", search)])
            )
            domains.append([("product_id", "in", products.ids)])
        return ["|"] * (len(domains) - 1) + [leaf for d in domains for leaf in d]

    def _prepare_apps_portal_values(
        self,
        page=1,
        sortby=None,
        filterby=None,
        search=None,
        search_in="name",
        **kwargs,
    ):
        """Return the values rendering the list page.

        Unknown ``sortby``, ``filterby`` or ``search_in`` keys fall back to the
        defaults rather than failing.

        :param page: page number, from 1
        :param sortby: a key of :meth:`_get_app_searchbar_sortings`
        :param filterby: a key of :meth:`_get_app_searchbar_filters`
        :param search: text to look for
        :param search_in: a key of :meth:`_get_app_searchbar_inputs`
        :returns: dict of QWeb values; ``apps`` is sudoed and holds only records
            the user may read
        """
        App = request.env["kubernetes.app"]
        values = self._prepare_portal_layout_values()

        searchbar_sortings = self._get_app_searchbar_sortings()
        searchbar_filters = self._get_app_searchbar_filters()
        searchbar_inputs = self._get_app_searchbar_inputs()
        if sortby not in searchbar_sortings:
            sortby = "name"
        if filterby not in searchbar_filters:
            filterby = "all"
        if search_in not in searchbar_inputs:
            search_in = "name"

        domain = [
            *self._prepare_apps_domain(request.env.user.partner_id),
            *searchbar_filters[filterby]["domain"],
            *self._get_app_search_domain(search_in, search),
        ]
        readable = App.has_access("read")
        url = "/my/apps"
        pager_values = portal_pager(
            url=url,
            total=App.search_count(domain) if readable else 0,
            page=page,
            step=self._items_per_page,
            url_args={
                "sortby": sortby,
                "filterby": filterby,
                "search_in": search_in,
                "search": search,
            },
        )
        apps = App
        if readable:
            apps = App.search(
                domain,
                order=searchbar_sortings[sortby]["order"],
                limit=self._items_per_page,
                offset=pager_values["offset"],
            )

        values.update(
            {
                "apps": apps.sudo(),
                "page_name": "kubernetes_app",
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
        ["/my/apps", "/my/apps/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
        readonly=True,
    )
    def portal_my_apps(self, **kwargs):
        """List the apps of the logged-in customer.

        :param kwargs: ``page``, ``sortby``, ``filterby``, ``search``,
            ``search_in`` (see :meth:`_prepare_apps_portal_values`)
        :returns: the rendered ``portal_my_apps`` page
        """
        values = self._prepare_apps_portal_values(**kwargs)
        request.session[self._app_history_key] = values["apps"].ids[:100]
        return request.render("kubernetes_portal.portal_my_apps", values)

    # -- detail ---------------------------------------------------------------

    def _get_app_portal_messages(self):
        """Return the confirmations shown after an action: code to sentence."""
        return {
            "restart_queued": _(
                "The restart is queued: your app's pods are replaced in a few moments."
            ),
            "redeploy_queued": _(
                "The redeploy is queued: your app is deployed again in a few moments."
            ),
            "config_saved": _(
                "The configuration is saved and a redeploy is queued to apply it."
            ),
            "config_unchanged": _("Nothing changed: no redeploy was queued."),
        }

    def _get_app_subscription_values(self, app_sudo):
        """Return the subscription of the app and the URL of its portal page.

        The field exists only with the shop addon, the page only with the
        subscription portal addon.

        :param app_sudo: sudoed ``kubernetes.app``
        :returns: dict with ``subscription`` (a record or False) and
            ``subscription_url`` (a path or False)
        """
        if "subscription_id" not in app_sudo._fields or not app_sudo.subscription_id:
            return {"subscription": False, "subscription_url": False}
        subscription = app_sudo.subscription_id
        url = subscription.access_url if "access_url" in subscription._fields else False
        return {"subscription": subscription, "subscription_url": url or False}

    def _prepare_app_portal_values(self, app_sudo, **kwargs):
        """Return the values rendering the detail page of one app.

        This is the extension hook for addons adding sections to the page: call
        ``super()``, add your keys, and put your template inside
        ``//div[@id='kubernetes_app_extra_sections']`` of
        ``kubernetes_portal.portal_app_page``.

        :param app_sudo: sudoed ``kubernetes.app`` the user may see
        :param kwargs: ``access_token``, ``message`` (a key of
            :meth:`_get_app_portal_messages`), ``error`` (a sentence) and
            ``config_values`` (the values typed, by entry id, after an error)
        :returns: dict of QWeb values
        """
        action_problem = app_sudo._get_change_problem()
        values = {
            "app": app_sudo,
            "page_name": "kubernetes_app",
            "access_token": kwargs.get("access_token"),
            "can_act": not action_problem,
            "action_problem": action_problem,
            "config_entries": app_sudo.config_map_ids,
            "editable_entries": app_sudo._portal_get_editable_entries(),
            "config_values": kwargs.get("config_values") or {},
            "config_field_prefix": self._config_field_prefix,
            "history": app_sudo._portal_get_history(),
            "message": self._get_app_portal_messages().get(kwargs.get("message")),
            "error": kwargs.get("error"),
            "res_company": app_sudo.company_id,
        }
        values.update(self._get_app_subscription_values(app_sudo))
        return values

    def _render_app_page(self, app_sudo, access_token=None, **kwargs):
        """Render the detail page with the hook's values.

        :param app_sudo: sudoed ``kubernetes.app``
        :param access_token: the token the page was opened with, if any
        :returns: the rendered ``portal_app_page``
        """
        values = self._prepare_app_portal_values(
            app_sudo, access_token=access_token, **kwargs
        )
        # No history key: core's record pager would write the tokens that the
        # neighbours lack; this page writes nothing.
        values = self._get_page_view_values(app_sudo, access_token, values, None, False)
        values.update(self._get_app_pager_values(app_sudo))
        return request.render("kubernetes_portal.portal_app_page", values)

    def _get_app_pager_values(self, app_sudo):
        """Return the links to the previous and the next app of the last list
        the visitor saw, as core's record pager does, without writing a token:
        an app that has one is linked with it, one that has none without (the
        list was seen signed in).

        :param app_sudo: sudoed ``kubernetes.app`` shown
        :returns: dict with ``prev_record`` and ``next_record``, each a path
            or False; empty when the app is not in the last list
        """
        history = request.session.get(self._app_history_key) or []
        if app_sudo.id not in history:
            return {}
        index = history.index(app_sudo.id)
        neighbours = {
            "prev_record": history[index - 1] if index > 0 else None,
            "next_record": history[index + 1] if index + 1 < len(history) else None,
        }
        values = {}
        for key, neighbour_id in neighbours.items():
            neighbour = app_sudo.browse(neighbour_id).exists()
            values[key] = (
                self._get_app_page_url(neighbour, neighbour.access_token)
                if neighbour
                else False
            )
        return values

    def _deny_app_access(self, app_id, access_token=None):
        """Answer a request for an app the visitor may not reach.

        The answer does not tell a foreign app from a missing one.

        :param app_id: id of the ``kubernetes.app`` asked for
        :param access_token: the token the request brought, if any
        :returns: for an anonymous visitor without a token, a redirect to the
            login page that comes back to the app's page
        :raises werkzeug.exceptions.NotFound: for anyone else
        """
        if request.env.user._is_public() and not access_token:
            return request.redirect_query(
                "/web/login", {"redirect": f"/my/apps/{app_id}"}
            )
        raise request.not_found()

    def _get_app_page_url(self, app_sudo, access_token=None, **params):
        """Return the path of the app's page, with the token it was opened with.

        :param app_sudo: sudoed ``kubernetes.app``
        :param access_token: kept in the URL when given
        :param params: further query parameters (``message``)
        :returns: a path with its query string
        """
        if access_token:
            params["access_token"] = access_token
        query = url_encode(params)
        return f"{app_sudo.access_url}?{query}" if query else app_sudo.access_url

    @http.route(
        ["/my/apps/<int:app_id>"],
        type="http",
        auth="public",
        website=True,
        readonly=True,
    )
    def portal_app_page(self, app_id, access_token=None, message=None, **kwargs):
        """Show one app.

        :param app_id: id of the ``kubernetes.app``
        :param access_token: lets a visitor without access (mail link) in
        :param message: a key of :meth:`_get_app_portal_messages`
        :returns: the rendered page; see :meth:`_deny_app_access` when the
            visitor may not see the app
        """
        try:
            app_sudo = self._document_check_access(
                "kubernetes.app", app_id, access_token=access_token
            )
        except (AccessError, MissingError):
            return self._deny_app_access(app_id, access_token)
        return self._render_app_page(
            app_sudo, access_token=access_token, message=message
        )

    # -- actions --------------------------------------------------------------

    def _run_app_action(self, app_id, access_token, action, message, **kwargs):
        """Check access, run ``action`` on the sudoed app, answer the browser.

        :param app_id: id of the ``kubernetes.app``
        :param access_token: lets a visitor without access (mail link) in
        :param action: callable taking the sudoed app; a :class:`UserError` or
            :class:`ValidationError` it raises undoes everything it did
        :param message: the key of :meth:`_get_app_portal_messages` shown on
            success, or a callable taking the action's result and returning it
        :param kwargs: passed to the page rendered on an error
        :returns: a redirect to the page with a confirmation; the page with the
            error when the action was refused; see :meth:`_deny_app_access`
            when the visitor may not see the app
        """
        try:
            app_sudo = self._document_check_access(
                "kubernetes.app", app_id, access_token=access_token
            )
        except (AccessError, MissingError):
            return self._deny_app_access(app_id, access_token)

        # Act as the logged-in customer, so that the chatter names them; a
        # visitor with a token has no name of their own.
        user = request.env.user
        if not user._is_public():
            app_sudo = app_sudo.with_user(user).sudo()
        try:
            with request.env.cr.savepoint():
                result = action(app_sudo)
        except (UserError, ValidationError) as err:
            _logger.debug("app %s: portal action refused: %s", app_sudo.name, err)
            return self._render_app_page(
                app_sudo, access_token=access_token, error=err.args[0], **kwargs
            )

        if callable(message):
            message = message(result)
        return request.redirect(
            self._get_app_page_url(app_sudo, access_token, message=message)
        )

    @http.route(
        ["/my/apps/<int:app_id>/restart"],
        type="http",
        auth="public",
        methods=["POST"],
        website=True,
    )
    def portal_app_restart(self, app_id, access_token=None, **kwargs):
        """Restart the app: a redeploy that replaces its pods.

        :param app_id: id of the ``kubernetes.app``
        :param access_token: lets a visitor without access (mail link) in
        :returns: see :meth:`_run_app_action`
        """
        return self._run_app_action(
            app_id,
            access_token,
            lambda app_sudo: app_sudo._portal_restart(),
            "restart_queued",
        )

    @http.route(
        ["/my/apps/<int:app_id>/redeploy"],
        type="http",
        auth="public",
        methods=["POST"],
        website=True,
    )
    def portal_app_redeploy(self, app_id, access_token=None, **kwargs):
        """Deploy the app again.

        :param app_id: id of the ``kubernetes.app``
        :param access_token: lets a visitor without access (mail link) in
        :returns: see :meth:`_run_app_action`
        """
        return self._run_app_action(
            app_id,
            access_token,
            lambda app_sudo: app_sudo._portal_redeploy(),
            "redeploy_queued",
        )

    def _parse_config_values(self, form):
        """Return the configuration values posted by the form.

        :param form: the request parameters
        :returns: dict of configuration entry id to the text typed
        :raises UserError: a field names no entry id
        """
        values = {}
        prefix = self._config_field_prefix
        for name, text in form.items():
            if not name.startswith(prefix):
                continue
            entry_id = name[len(prefix) :]
            if not entry_id.isdigit():
                raise UserError(_("The form holds an unknown configuration entry."))
            values[int(entry_id)] = text
        return values

    @http.route(
        ["/my/apps/<int:app_id>/config"],
        type="http",
        auth="public",
        methods=["POST"],
        website=True,
    )
    def portal_app_config(self, app_id, access_token=None, **kwargs):
        """Save the configuration entries the customer may change, then redeploy.

        :param app_id: id of the ``kubernetes.app``
        :param access_token: lets a visitor without access (mail link) in
        :param kwargs: ``value_<entry id>`` fields with the new values
        :returns: see :meth:`_run_app_action`; on an error the page shows the
            values typed, and nothing is changed
        """
        typed = {}

        def update(app_sudo):
            values = self._parse_config_values(kwargs)
            typed.update(values)
            return app_sudo._portal_update_config(values)

        return self._run_app_action(
            app_id,
            access_token,
            update,
            lambda changed: "config_saved" if changed else "config_unchanged",
            config_values=typed,
        )
