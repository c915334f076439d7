from unittest.mock import patch

from odoo import Command, fields
from odoo.exceptions import ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import AppShopCase

LINE_LOGGER = (
    "odoo.addons.website_sale_kubernetes_subscription_oca.models.sale_order_line"
)


@tagged("post_install", "-at_install")
class TestNameRace(AppShopCase):
    """Two customers want one name: exactly one gets it, the other is told,
    and nothing is half-created."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.first = cls._create_order_cls(cls.customer)
        cls.second = cls._create_order_cls(cls.other)

    @classmethod
    def _create_order_cls(cls, partner):
        return cls.env["sale.order"].create(
            {
                "partner_id": partner.id,
                "pricelist_id": cls.pricelist.id,
                "order_line": [
                    Command.create({"product_id": cls.product.id, "app_name": "acme"})
                ],
            }
        )

    def test_a_reserved_name_is_taken_for_the_others(self):
        self.assertFalse(self.first.order_line._reserve_app_names())

        problems = self.second.order_line._reserve_app_names()

        self.assertIn("already taken", problems[self.second.order_line])
        self.assertEqual(self.first.order_line.app_name_reserved, "acme")
        self.assertFalse(self.second.order_line.app_name_reserved)
        namespace = self.env["kubernetes.namespace"]._get_or_create(
            self.other, self.env_prod, self.company
        )
        with self.assertRaisesRegex(ValidationError, "already taken"):
            self.env["kubernetes.app"].create(
                {
                    "name": "acme",
                    "product_id": self.product.id,
                    "namespace_id": namespace.id,
                    "environment_id": self.env_prod.id,
                }
            )

    def test_an_expired_reservation_is_taken_over(self):
        self.first.order_line._reserve_app_names()
        self.first.order_line.app_name_reserved_until = fields.Datetime.subtract(
            fields.Datetime.now(), hours=2
        )

        self.assertFalse(self.second.order_line._reserve_app_names())

        self.assertEqual(self.second.order_line.app_name_reserved, "acme")
        self.assertFalse(self.first.order_line.app_name_reserved)

    def test_an_order_in_payment_keeps_its_name(self):
        self.first.order_line._reserve_app_names()
        self.first.order_line.app_name_reserved_until = fields.Datetime.subtract(
            fields.Datetime.now(), hours=2
        )
        self.env["payment.transaction"].create(
            {
                "provider_id": self.env.ref("payment.payment_provider_demo").id,
                "payment_method_id": self.env.ref(
                    "payment_demo.payment_method_demo"
                ).id,
                "reference": "APP-RACE-1",
                "amount": self.first.amount_total,
                "currency_id": self.first.currency_id.id,
                "partner_id": self.customer.id,
                "sale_order_ids": [Command.set(self.first.ids)],
                "state": "pending",
            }
        )

        problems = self.second.order_line._reserve_app_names()

        self.assertIn(self.second.order_line, problems)
        self.assertEqual(self.first.order_line.app_name_reserved, "acme")

    def test_the_database_settles_two_checks_that_both_passed(self):
        # Both orders checked the name before either reservation was
        # committed: the unique index lets the first through, not the second.
        self.first.order_line._reserve_app_names()
        line_class = type(self.env["sale.order.line"])
        with patch.object(line_class, "_get_app_name_problem", return_value=""):
            problems = self.second.order_line._reserve_app_names()

        self.assertIn("already taken", problems[self.second.order_line])
        self.assertEqual(self.first.order_line.app_name_reserved, "acme")
        self.assertFalse(self.second.order_line.app_name_reserved)

    def test_the_loser_of_a_paid_race_is_told_and_gets_nothing_half_made(self):
        self.first.action_confirm()
        winner = self._apps(name="acme")
        self.assertEqual(winner.sale_order_id, self.first)

        with self.assertLogs(LINE_LOGGER, "WARNING") as logs:
            self._confirm_paid(self.second)

        self.assertIn("not created", logs.output[0])
        line = self.second.order_line
        self.assertEqual(self.second.state, "sale", "a paid order is confirmed")
        self.assertEqual(len(self.second.subscription_ids), 1)
        self.assertIn("already taken", line.kubernetes_app_error)
        self.assertIn("already taken", self.second.kubernetes_app_error)
        self.assertFalse(self._apps(sale_order_id=self.second.id))
        self.assertFalse(self._apps(partner_id=self.other.id))
        self.assertFalse(
            self.env["kubernetes.namespace"].search(
                [("partner_id", "=", self.other.id)]
            )
        )
        self.assertFalse(line.app_name_reserved)
        self.assertTrue(self.second.activity_ids)

        # The salesperson agrees on another name and creates the app.
        line.app_name = "acme-two"
        self.second.action_create_kubernetes_apps()
        self.assertEqual(self._apps(sale_order_id=self.second.id).name, "acme-two")
        self.assertFalse(line.kubernetes_app_error)

    def test_an_app_inserted_meanwhile_rolls_the_creation_back(self):
        # The name was free when checked; another transaction inserted its
        # app before ours: the unique index refuses the second insert.
        namespace = self.env["kubernetes.namespace"]._get_or_create(
            self.customer, self.env_prod, self.company
        )
        self.env["kubernetes.app"].create(
            {
                "name": "acme",
                "product_id": self.product.id,
                "namespace_id": namespace.id,
                "environment_id": self.env_prod.id,
            }
        )
        app_class = type(self.env["kubernetes.app"])
        with (
            patch.object(app_class, "_get_name_problem", return_value=""),
            patch.object(app_class, "_check_hostname_free", return_value=None),
            mute_logger("odoo.sql_db"),
            self.assertLogs(LINE_LOGGER, "WARNING"),
        ):
            self._confirm_paid(self.second)

        line = self.second.order_line
        self.assertIn("a moment ago", line.kubernetes_app_error)
        self.assertFalse(self._apps(sale_order_id=self.second.id))
        self.assertFalse(
            self.env["kubernetes.namespace"].search(
                [("partner_id", "=", self.other.id)]
            )
        )
        self.assertEqual(self.second.state, "sale")
