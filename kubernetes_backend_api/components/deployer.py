from odoo.addons.component.core import Component

from ..lib.transport import ApiTransport


class KubernetesDeployerApi(Component):
    """Deploys apps with the official ``kubernetes`` Python client.

    The app-level rules come from ``kubernetes.deployer.cluster``; this
    component only builds an :class:`..lib.transport.ApiTransport` from the
    company's settings, a new one for every operation.
    """

    _name = "kubernetes.deployer.api"
    _inherit = "kubernetes.deployer.cluster"
    _backend_type = "api"

    def _build_transport(self, settings):
        return ApiTransport(settings)
