from odoo import fields
from odoo.tests.common import TransactionCase, new_test_user

from ..lib.cluster import StoreTransport


class KubernetesCase(TransactionCase):
    """Base of the kubernetes_base tests: a company with a domain on the
    dry-run backend, the demo product, a customer namespace and helpers."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=False))
        cls.company = cls.env.company
        cls.company.write(
            {"kubernetes_domain": "apps.example.com", "kubernetes_backend": "dry_run"}
        )
        cls.product = cls.env.ref("kubernetes_base.product_product_odoo_app")
        cls.env_int = cls.env.ref("kubernetes_base.kubernetes_environment_int")
        cls.env_prod = cls.env.ref("kubernetes_base.kubernetes_environment_prod")
        cls.env_dev = cls.env.ref("kubernetes_base.kubernetes_environment_dev")
        cls.customer = cls.env["res.partner"].create(
            {"name": "Ada Lovelace AG", "is_company": True}
        )
        cls.namespace = cls.env["kubernetes.namespace"]._get_or_create(
            cls.customer, cls.env_int, cls.company
        )
        cls.manager = new_test_user(
            cls.env,
            login="k8s_manager",
            groups="base.group_user,kubernetes_base.group_kubernetes_manager",
        )
        cls.user = new_test_user(
            cls.env,
            login="k8s_user",
            groups="base.group_user,kubernetes_base.group_kubernetes_user",
        )

    def _dry_run_cluster(self, company=None):
        """Return a transport on the dry-run cluster of ``company``."""
        store = self.env["kubernetes.dry_run.object"]._store(company or self.company)
        return StoreTransport(store)

    @classmethod
    def _create_company(cls, name, domain=None):
        """Return a new company on the dry-run backend, with ``domain``."""
        return cls.env["res.company"].create(
            {
                "name": name,
                "kubernetes_domain": domain or False,
                "kubernetes_backend": "dry_run",
            }
        )

    @classmethod
    def _create_user(
        cls, login, company, groups="kubernetes_base.group_kubernetes_user"
    ):
        """Return a user of ``company`` only, with ``groups``."""
        return new_test_user(
            cls.env,
            login=login,
            groups=f"base.group_user,{groups}",
            company_id=company.id,
            company_ids=[fields.Command.set(company.ids)],
        )

    def _create_app(self, name="shop-int", **vals):
        return self.env["kubernetes.app"].create(
            dict(
                {
                    "name": name,
                    "product_id": self.product.id,
                    "namespace_id": self.namespace.id,
                    "environment_id": self.env_int.id,
                },
                **vals,
            )
        )

    def _process(self, app, runs=1):
        """Run the provisioning cron ``runs`` times, as if the app's next
        attempt were due each time."""
        for _run in range(runs):
            if app.pending_action:
                app.next_attempt_date = fields.Datetime.now()
            self.env["kubernetes.app"]._cron_process()
        return app
