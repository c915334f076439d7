from odoo.tests import tagged

from odoo.addons.kubernetes_base.tests.backend_common import (
    BackendCase,
    BackendDeployerTests,
)


@tagged("post_install", "-at_install")
class TestDeployerKr8s(BackendDeployerTests, BackendCase):
    """Choosing kr8s on a company deploys its apps through it."""

    backend = "kr8s"
    component_name = "kubernetes.deployer.kr8s"
