from odoo.addons.component.core import Component

from ..lib.cluster import MemoryTransport


class DryRunDeployer(Component):
    """The default backend: renders and applies into an in-memory cluster.

    No network call is made. Workloads read as rolled out at once, so an app
    goes from queued to running in two cron runs; the applied objects are
    shown on the app (secrets masked). Each database and company has its own
    memory, which lasts as long as the server process.
    """

    _name = "kubernetes.deployer.dry_run"
    _inherit = "kubernetes.deployer.cluster"
    _backend_type = "dry_run"
    _needs_connection = False

    def _build_transport(self, settings):
        return MemoryTransport(self._memory_scope())

    def _memory_scope(self):
        return f"{self.env.cr.dbname}/{self.collection.id}"
