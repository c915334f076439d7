from odoo.addons.component.core import Component

from ..lib.transport import Kr8sTransport


class KubernetesDeployerKr8s(Component):
    """Deploys apps with the ``kr8s`` client.

    The app-level rules come from ``kubernetes.deployer.cluster``; this
    component only builds a :class:`..lib.transport.Kr8sTransport` from the
    company's settings, a new one for every operation, which keeps kr8s safe
    in Odoo's prefork workers and threads.
    """

    _name = "kubernetes.deployer.kr8s"
    _inherit = "kubernetes.deployer.cluster"
    _backend_type = "kr8s"

    def _build_transport(self, settings):
        return Kr8sTransport(settings)
