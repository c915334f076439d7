import importlib.util
import pathlib
import sys
import unittest

from odoo.addons.kubernetes_base.tests.common import KubernetesCase

#: The bearer token the test company sends.
TOKEN = "odoo-test-token-5b1e"


def load_kube_mock():
    """Return the repository's ``tests/kube_mock.py`` module (the mock
    Kubernetes API), or skip when the addon runs outside the repository."""
    if "kube_mock" in sys.modules:
        return sys.modules["kube_mock"]
    path = pathlib.Path(__file__).resolve().parents[2] / "tests" / "kube_mock.py"
    if not path.exists():
        raise unittest.SkipTest("The repository's mock Kubernetes API is not here.")
    spec = importlib.util.spec_from_file_location("kube_mock", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["kube_mock"] = module
    spec.loader.exec_module(module)
    return module


class BackendCase(KubernetesCase):
    """The test company on this addon's backend, pointed at a mock Kubernetes
    API served from a thread for the whole class and emptied for each test."""

    #: The company's ``kubernetes_backend`` value under test.
    backend = "api"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.kube = load_kube_mock().KubeMock()
        cls.kube.start()
        cls.addClassCleanup(cls.kube.stop)
        cls.company.write(
            {
                "kubernetes_backend": cls.backend,
                "kubernetes_api_url": cls.kube.url,
                "kubernetes_api_key": TOKEN,
                "kubernetes_timeout": 10,
            }
        )

    def setUp(self):
        super().setUp()
        self.kube.reset()
