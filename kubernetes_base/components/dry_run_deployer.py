from odoo.addons.component.core import Component

from ..lib.cluster import StoreTransport


class DryRunDeployer(Component):
    """The default backend: renders and applies into a cluster kept in the
    database.

    No network call is made. Workloads read as rolled out at once, so an app
    goes from queued to running in two cron runs; the applied objects are
    shown on the app (secrets masked). Each company has its own cluster
    (``kubernetes.dry_run.object``), shared by every worker process and kept
    across restarts; its changes commit or roll back with the cron's step.
    """

    _name = "kubernetes.deployer.dry_run"
    _inherit = "kubernetes.deployer.cluster"
    _backend_type = "dry_run"
    _needs_connection = False

    def _build_transport(self, settings):
        store = self.env["kubernetes.dry_run.object"]._store(self.collection)
        return StoreTransport(store, settings)
