import threading
import time
from unittest.mock import patch

from odoo import SUPERUSER_ID, Command, api, fields
from odoo.exceptions import ValidationError
from odoo.tests import TransactionCase, tagged
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

    def test_the_unique_index_settles_two_checks_that_both_passed(self):
        # Within one transaction, with the check patched away: the unique
        # index and its handling. TestNameRaceAcrossTransactions races for
        # real.
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

    def test_a_renamed_app_frees_the_name_its_order_reserved(self):
        self.first.action_confirm()
        app = self._apps(name="acme")
        self.assertEqual(self.first.order_line.app_name_reserved, "acme")
        # kubernetes_base lets only a draft app change its name.
        app.write({"state": "draft", "pending_action": False})

        app.with_user(self.manager).name = "acme-renamed"

        self.assertFalse(self.first.order_line.app_name_reserved)
        self.assertFalse(self.second.order_line._reserve_app_names())
        self.assertEqual(self.second.order_line.app_name_reserved, "acme")
        third = self._create_order_cls(self.other).order_line
        third.app_name = "acme-renamed"
        self.assertIn("already taken", third._reserve_app_names()[third])

    def test_the_reservation_of_a_renamed_app_holds_nothing(self):
        # Even when it was not released: the app holds its own name.
        self.first.action_confirm()
        app = self._apps(name="acme")
        self.env.cr.execute(
            "UPDATE kubernetes_app SET name = 'acme-other', hostname = %s "
            "WHERE id = %s",
            (f"acme-other.{self.domain}", app.id),
        )
        app.invalidate_recordset(["name", "hostname"])
        self.assertEqual(self.first.order_line.app_name_reserved, "acme")
        self.assertFalse(self.first.order_line._is_app_name_reservation_live())
        self.assertFalse(self.second.order_line._reserve_app_names())


@tagged("post_install", "-at_install")
class TestNameRaceAcrossTransactions(TransactionCase):
    """Two customers' requests, each in its own database transaction, both
    check one name before either commits: exactly one gets it, the other is
    told, and nothing is half-created.

    The orders are committed so that both transactions see them, and removed
    again after each test. Relies on the demo data: the demo app product and
    the demo domain of the main company.
    """

    #: The name both customers want.
    name = "race-acme"
    #: How long a transaction may wait for the other one, in seconds.
    timeout = 20

    def setUp(self):
        super().setUp()
        product = self.env.ref(
            "kubernetes_base.product_product_odoo_app", raise_if_not_found=False
        )
        if not (
            product
            and product.product_tmpl_id.is_kubernetes_app_product
            and self.env.company.kubernetes_domain
        ):
            self.skipTest("needs the demo app product and the demo domain")
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            cr.execute("SELECT coalesce(max(id), 0) FROM ir_cron_trigger")
            self.last_trigger_id = cr.fetchone()[0]
            partners = env["res.partner"].create(
                [
                    {"name": "Race Ada", "email": "race.ada@customer.example.com"},
                    {"name": "Race Bob", "email": "race.bob@customer.example.com"},
                ]
            )
            orders = env["sale.order"].create(
                [
                    {
                        "partner_id": partner.id,
                        "order_line": [
                            Command.create(
                                {"product_id": product.id, "app_name": self.name}
                            )
                        ],
                    }
                    for partner in partners
                ]
            )
            self.partner_ids = partners.ids
            self.order_ids = orders.ids
        self.addCleanup(self._remove_committed_records)

    def _remove_committed_records(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            orders = env["sale.order"].browse(self.order_ids).exists()
            apps = env["kubernetes.app"].search(
                [("partner_id", "in", self.partner_ids)]
            )
            apps.write({"state": "draft"})
            apps.unlink()
            env["kubernetes.namespace"].search(
                [("partner_id", "in", self.partner_ids)]
            ).unlink()
            orders.subscription_ids.unlink()
            orders.write({"state": "cancel"})
            orders.unlink()
            env["res.partner"].browse(self.partner_ids).unlink()
            cr.execute(
                "DELETE FROM ir_cron_trigger WHERE id > %s", (self.last_trigger_id,)
            )

    def _lines(self, env):
        return env["sale.order"].browse(self.order_ids).order_line

    def _race(self, first, second):
        """Run ``first(env)`` in one transaction, then ``second(env)`` in
        another one, in a thread, until it waits for the first one's lock;
        commit the first, then the second.

        Both transactions take their snapshot before either runs, so each
        sees the name free. Returns what ``second`` returned.
        """
        outcome = {}
        with self.registry.cursor() as cr1, self.registry.cursor() as cr2:
            env1 = api.Environment(cr1, SUPERUSER_ID, {})
            env2 = api.Environment(cr2, SUPERUSER_ID, {})
            # Both snapshots see the name free.
            for env, index in ((env1, 0), (env2, 1)):
                self.assertFalse(self._lines(env)[index]._get_app_name_problem())
            cr2.execute("SELECT pg_backend_pid()")
            second_pid = cr2.fetchone()[0]

            first(env1)

            def run_second():
                threading.current_thread().testing = True
                try:
                    outcome["result"] = second(env2)
                except Exception as err:  # pylint: disable=broad-except
                    outcome["error"] = err

            thread = threading.Thread(target=run_second)
            thread.start()
            self.assertTrue(
                self._wait_for_lock(second_pid) or not thread.is_alive(),
                "the second transaction waits for the first one",
            )
            cr1.commit()
            thread.join(self.timeout)
            self.assertFalse(thread.is_alive(), "the second transaction ended")
            if "error" in outcome:
                raise outcome["error"]
            cr2.commit()
        return outcome.get("result")

    def _wait_for_lock(self, pid):
        """Return True once the backend ``pid`` waits for a lock."""
        deadline = time.monotonic() + self.timeout
        with self.registry.cursor() as cr:
            while time.monotonic() < deadline:
                cr.execute(
                    "SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s",
                    (pid,),
                )
                if cr.fetchone()[0] == "Lock":
                    return True
                cr.rollback()
                time.sleep(0.05)
        return False

    def test_two_transactions_reserve_one_name(self):
        problems = self._race(
            lambda env: self.assertFalse(self._lines(env)[0]._reserve_app_names()),
            lambda env: {
                line.id: problem
                for line, problem in self._lines(env)[1]._reserve_app_names().items()
            },
        )

        with self.registry.cursor() as cr:
            first, second = self._lines(api.Environment(cr, SUPERUSER_ID, {}))
            self.assertEqual(list(problems), [second.id])
            self.assertIn("already taken", problems[second.id])
            self.assertEqual(first.app_name_reserved, self.name)
            self.assertFalse(second.app_name_reserved)

    def test_two_transactions_confirm_orders_for_one_name(self):
        with self.assertLogs(LINE_LOGGER, "WARNING") as logs:
            self._race(
                lambda env: self._lines(env)[0].order_id.action_confirm(),
                lambda env: (
                    self._lines(env)[1]
                    .order_id.with_context(kubernetes_app_paid_confirmation=True)
                    .action_confirm()
                ),
            )
        self.assertIn("not created", logs.output[0])

        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            first, second = self._lines(env)
            apps = env["kubernetes.app"].search([("name", "=", self.name)])
            self.assertEqual(apps.sale_line_id, first, "exactly one app")
            self.assertEqual(apps.state, "queued")
            self.assertEqual(second.order_id.state, "sale", "the payment counts")
            self.assertIn("already taken", second.kubernetes_app_error)
            self.assertFalse(second.sudo().kubernetes_app_ids)
            self.assertFalse(second.app_name_reserved)
            self.assertFalse(
                env["kubernetes.namespace"].search(
                    [("partner_id", "=", second.order_id.partner_id.id)]
                ),
                "nothing half-created",
            )
