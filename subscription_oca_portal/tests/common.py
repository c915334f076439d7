"""Reusable test bases: two customers, each with a portal user and a running
subscription, and helpers to create more subscriptions.

* :class:`SubscriptionPortalCommon` for ORM-level tests (rules, model methods);
* :class:`SubscriptionPortalHttpCommon` adds HTTP helpers for controller and
  tour tests.
"""

from urllib.parse import parse_qs, urlencode, urlsplit

from odoo import Command, http
from odoo.tests import HttpCase, TransactionCase, new_test_user

from odoo.addons.base.tests.common import DISABLED_MAIL_CONTEXT


class SubscriptionPortalCommon(TransactionCase):
    """Customer A and customer B, each with a running subscription."""

    #: password of the portal users created here (also their login suffix)
    portal_password = "portal-pass-1234"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, **DISABLED_MAIL_CONTEXT))

        cls.pricelist = cls.env["product.pricelist"].create(
            {"name": "Subscription portal test pricelist"}
        )
        cls.plan = cls.env["sale.subscription.template"].create(
            {
                "name": "Monthly test plan",
                "code": "PLAN",
                "recurring_interval": 1,
                "recurring_rule_type": "months",
                "recurring_rule_boundary": "unlimited",
                "invoicing_mode": "draft",
            }
        )
        cls.product = cls.env["product.product"].create(
            {
                "name": "Test hosting",
                "type": "service",
                "list_price": 25.0,
                "subscribable": True,
                "subscription_template_id": cls.plan.id,
                "taxes_id": [Command.clear()],
            }
        )
        cls.close_reason = cls.env.ref("subscription_oca.close_reason_expensive")
        cls.closed_stage = cls.env.ref("subscription_oca.subscription_stage_closed")

        cls.partner_a = cls.env["res.partner"].create(
            {"name": "Customer A Ltd", "is_company": True}
        )
        cls.user_a = cls._create_portal_user("sub_portal_a", cls.partner_a)
        cls.partner_b = cls.env["res.partner"].create(
            {"name": "Customer B Ltd", "is_company": True}
        )
        cls.user_b = cls._create_portal_user("sub_portal_b", cls.partner_b)

        cls.subscription_a = cls._create_subscription(cls.partner_a, code="A-0001")
        cls.subscription_b = cls._create_subscription(cls.partner_b, code="B-0001")

    @classmethod
    def _create_portal_user(cls, login, company_partner):
        """Create a portal user whose contact works for ``company_partner``.

        :param str login: login, also used as name
        :param company_partner: commercial ``res.partner`` of the user
        :return: the ``res.users`` record
        """
        user = new_test_user(
            cls.env,
            login=login,
            password=f"{login}-{cls.portal_password}",
            groups="base.group_portal",
            name=login,
        )
        user.partner_id.parent_id = company_partner
        return user

    @classmethod
    def _create_subscription(cls, partner, code=None, start=True, quantity=2.0):
        """Create a subscription with one line of the test product.

        :param partner: customer ``res.partner``
        :param str code: subscription reference, the name becomes ``PLAN/<code>``
        :param bool start: move it to the "in progress" stage, as the backend
        :param float quantity: quantity of the line
        :return: the ``sale.subscription`` record
        """
        values = {
            "partner_id": partner.id,
            "template_id": cls.plan.id,
            "pricelist_id": cls.pricelist.id,
            "sale_subscription_line_ids": [
                Command.create(
                    {"product_id": cls.product.id, "product_uom_qty": quantity}
                )
            ],
        }
        if code:
            values["code"] = code
        subscription = cls.env["sale.subscription"].create(values)
        if start:
            subscription.action_start_subscription()
        return subscription

    @staticmethod
    def _close_note(subscription):
        """The note left on ``subscription`` when it was closed from the portal.

        :return: the ``mail.message``, empty if none was posted
        """
        return subscription.message_ids.filtered(
            lambda message: "Closed by the customer from the portal" in message.body
        )[:1]

    @classmethod
    def _portal_login_password(cls, user):
        """Password of a portal user created by :meth:`_create_portal_user`."""
        return f"{user.login}-{cls.portal_password}"


class SubscriptionPortalHttpCommon(SubscriptionPortalCommon, HttpCase):
    """Same data, plus HTTP helpers; tests using it run after install."""

    def _login(self, user):
        """Open an HTTP session as ``user``.

        :param user: a portal ``res.users`` from this base
        :return: the session
        """
        return self.authenticate(user.login, self._portal_login_password(user))

    def _get(self, url, **params):
        """GET ``url`` without following redirects.

        :return: the ``requests.Response``
        """
        if params:
            url = f"{url}?{urlencode(params)}"
        return self.url_open(url, allow_redirects=False)

    def _post_close(self, subscription, csrf=True, **data):
        """POST the close form of ``subscription`` without following redirects.

        :param subscription: the ``sale.subscription`` to close
        :param bool csrf: send a valid CSRF token
        :param data: form fields (``close_reason_id``, ``close_comment``,
            ``access_token``)
        :return: the ``requests.Response``
        """
        if csrf:
            data["csrf_token"] = self.csrf_token()
        return self.url_open(
            f"/my/subscriptions/{subscription.id}/close",
            data=data,
            allow_redirects=False,
        )

    def csrf_token(self):
        """A CSRF token valid for the current test session."""
        return http.Request.csrf_token(self)

    def assertNotFound(self, response):
        """Assert that ``response`` is a 404, as for a record that does not
        exist."""
        self.assertEqual(response.status_code, 404, response.text[:500])

    def assertRedirectsToLogin(self, response, back):
        """Assert that ``response`` sends the visitor to the login page, which
        brings them back to the path ``back``."""
        self.assertIn(response.status_code, (302, 303))
        location = urlsplit(response.headers["Location"])
        self.assertTrue(location.path.endswith("/web/login"), location.path)
        self.assertEqual(parse_qs(location.query).get("redirect"), [back])
