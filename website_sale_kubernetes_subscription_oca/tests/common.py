"""Reusable test bases for selling apps in the shop.

* :class:`AppShopCase`: a company on the dry-run backend, the demo app
  product sold with a monthly plan, customers with portal users, and helpers
  to order, confirm, provision and read the credentials;
* :class:`AppShopHttpCase` adds the demo payment provider and HTTP helpers
  for controller and tour tests.
"""

import contextlib
import json
import logging
from unittest.mock import patch

from odoo import Command, fields, http
from odoo.tests import HttpCase, TransactionCase, new_test_user

from odoo.addons.base.models.ir_mail_server import IrMailServer


class AppShopCase(TransactionCase):
    """The demo app product on sale, a customer, and the provisioning helpers."""

    #: Domain of the test company; apps are reached at <name>.<domain>.
    domain = "shop-test.example.com"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(
            context=dict(
                cls.env.context, mail_create_nolog=True, no_reset_password=True
            )
        )
        cls.company = cls.env.company
        cls.company.write(
            {"kubernetes_domain": cls.domain, "kubernetes_backend": "dry_run"}
        )
        cls.plan = cls.env["sale.subscription.template"].create(
            {
                "name": "Monthly app test plan",
                "code": "APPTEST",
                "recurring_interval": 1,
                "recurring_rule_type": "months",
                "recurring_rule_boundary": "unlimited",
                "invoicing_mode": "draft",
            }
        )
        cls.product = cls.env.ref("kubernetes_base.product_product_odoo_app")
        cls.product.write(
            {
                "sale_ok": True,
                "subscribable": True,
                "subscription_template_id": cls.plan.id,
                "is_published": True,
                "taxes_id": [Command.clear()],
            }
        )
        cls.env_prod = cls.env.ref("kubernetes_base.kubernetes_environment_prod")
        cls.pricelist = cls.env["product.pricelist"].create(
            {
                "name": "App shop test pricelist",
                "currency_id": cls.company.currency_id.id,
            }
        )
        cls.closed_stage = cls.env.ref("subscription_oca.subscription_stage_closed")
        cls.in_progress_stage = cls.env.ref(
            "subscription_oca.subscription_stage_in_progress"
        )
        cls.customer_user = cls._create_customer("app_shop_ada", "Ada Shop")
        cls.customer = cls.customer_user.partner_id
        cls.other_user = cls._create_customer("app_shop_bob", "Bob Shop")
        cls.other = cls.other_user.partner_id
        cls.manager = new_test_user(
            cls.env,
            login="app_shop_manager",
            groups="base.group_user,sales_team.group_sale_salesman,"
            "kubernetes_base.group_kubernetes_manager",
        )

    @classmethod
    def _create_customer(cls, login, name):
        """Create a portal user with a complete address and an email; the
        password is the login, as ``start_tour`` expects.

        :return: the ``res.users`` record
        """
        user = new_test_user(
            cls.env,
            login=login,
            groups="base.group_portal",
            name=name,
            email=f"{login}@customer.example.com",
        )
        user.partner_id.write(
            {
                "street": "Bahnhofstrasse 1",
                "city": "Zürich",
                "zip": "8001",
                "country_id": cls.env.ref("base.ch").id,
                "phone": "+41 44 000 00 00",
            }
        )
        return user

    # -- orders -------------------------------------------------------------

    def _create_order(self, partner=None, app_names=("acme",), **vals):
        """Create a quotation with one app line per name.

        :param app_names: the name of each line; None leaves a line unnamed
        :return: the ``sale.order``
        """
        partner = partner or self.customer
        lines = [
            Command.create(
                {"product_id": self.product.id, "product_uom_qty": 1, "app_name": name}
            )
            for name in app_names
        ]
        return self.env["sale.order"].create(
            dict(
                {
                    "partner_id": partner.id,
                    "pricelist_id": self.pricelist.id,
                    "order_line": lines,
                },
                **vals,
            )
        )

    def _confirm_paid(self, order):
        """Confirm ``order`` the way a successful payment does."""
        order.with_context(kubernetes_app_paid_confirmation=True).action_confirm()
        return order

    def _apps(self, **domain):
        """Return the apps matching the keyword domain (``name="acme"``)."""
        return self.env["kubernetes.app"].search(
            [(key, "=", value) for key, value in domain.items()]
        )

    # -- provisioning -------------------------------------------------------

    def _process(self, apps, runs=1):
        """Run the provisioning cron ``runs`` times, the apps' work due now."""
        for _run in range(runs):
            apps.filtered("pending_action").write(
                {"next_attempt_date": fields.Datetime.now()}
            )
            self.env["kubernetes.app"]._cron_process()
        return apps

    def _credentials(self, app):
        """Return the credentials kept in the app's Secret on the dry run."""
        with app.company_id.sudo()._kubernetes_deployer() as deployer:
            return deployer.read_credentials(app) or {}

    def _close(self, subscription):
        """Close ``subscription`` as its Close button and wizard do."""
        subscription.close_subscription(
            self.env.ref("subscription_oca.close_reason_other").id
        )

    @contextlib.contextmanager
    def _capture_emails(self):
        """Yield the list of emails built for sending, each a dict with
        ``email_to``, ``subject``, ``body`` and ``body_alternative``."""
        emails = []
        build_email = IrMailServer.build_email

        def _build_email(server, email_from, email_to, subject, body, **kwargs):
            emails.append(
                {
                    "email_to": email_to,
                    "subject": subject,
                    "body": body,
                    "body_alternative": kwargs.get("body_alternative") or "",
                }
            )
            return build_email(server, email_from, email_to, subject, body, **kwargs)

        with patch.object(
            IrMailServer, "build_email", autospec=True, side_effect=_build_email
        ):
            yield emails

    @contextlib.contextmanager
    def _capture_logs(self):
        """Yield the list of every log line emitted under ``odoo``, down to
        DEBUG, formatted with its arguments; nothing reaches the console."""
        lines = []

        class Collector(logging.Handler):
            def emit(self, record):
                lines.append(self.format(record))

        logger = logging.getLogger("odoo")
        handler = Collector(level=logging.DEBUG)
        previous = (logger.level, logger.propagate, logger.handlers[:])
        logger.handlers = [handler]
        logger.propagate = False
        logger.setLevel(logging.DEBUG)
        try:
            yield lines
        finally:
            logger.setLevel(previous[0])
            logger.propagate = previous[1]
            logger.handlers = previous[2]


class AppShopHttpCase(AppShopCase, HttpCase):
    """The same data, the demo payment provider and HTTP helpers."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.website = cls.env.ref("website.default_website")
        cls.website.write({"company_id": cls.company.id})
        cls.provider = cls.env.ref("payment.payment_provider_demo")
        cls.provider.write(
            {"state": "test", "is_published": True, "company_id": cls.company.id}
        )
        cls.env.ref("payment_demo.payment_method_demo").active = True

    def _login(self, user):
        """Open an HTTP session as the portal ``user``."""
        return self.authenticate(user.login, user.login)

    def _add_to_cart(self):
        """Put the app product in the session's cart, as the product page
        does."""
        return self.url_open(
            "/shop/cart/update",
            data={
                "product_id": self.product.id,
                "csrf_token": http.Request.csrf_token(self),
            },
            allow_redirects=False,
        )

    def _cart(self, partner):
        """Return the latest draft order of ``partner`` on the website."""
        return self.env["sale.order"].search(
            [
                ("website_id", "=", self.website.id),
                ("partner_id", "=", partner.id),
                ("state", "=", "draft"),
            ],
            order="id desc",
            limit=1,
        )

    def _json(self, route, **params):
        """Call a JSON route and return its result."""
        return self._json_response(route, **params)["result"]

    def _json_response(self, route, **params):
        """Call a JSON route and return the whole answer: ``result``, or
        ``error`` with the message in ``error["data"]["message"]``."""
        response = self.url_open(
            route,
            data=json.dumps({"params": params}),
            headers={"Content-Type": "application/json"},
        )
        return response.json()

    def assertRedirectsTo(self, response, path):
        """Assert that ``response`` redirects to ``path`` (query included)."""
        self.assertIn(response.status_code, (301, 302, 303), response.text[:300])
        location = response.headers["Location"]
        self.assertTrue(
            location.split("://", 1)[-1].partition("/")[2].startswith(path.lstrip("/")),
            location,
        )
