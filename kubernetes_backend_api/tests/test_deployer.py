from odoo.tests import tagged

from odoo.addons.kubernetes_base.tests.backend_common import (
    BackendCase,
    BackendDeployerTests,
)


@tagged("post_install", "-at_install")
class TestDeployerApi(BackendDeployerTests, BackendCase):
    """Choosing the official client on a company deploys its apps through it."""

    backend = "api"
    component_name = "kubernetes.deployer.api"
