import http.server
import threading

from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from ..lib import loader
from .common import KubernetesCase

GOOD = """apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ app.name ~ "-extra" }}
data:
  HOST: {{ app.hostname }}
"""


class _Handler(http.server.BaseHTTPRequestHandler):
    routes = {}

    def do_GET(self):
        body = self.routes.get(self.path)
        if body is None:
            self.send_response(404)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@tagged("post_install", "-at_install")
class TestManifest(KubernetesCase):
    """Manifests load from addon files and http(s), with limits and checks."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        cls.base_url = f"http://127.0.0.1:{cls.server.server_address[1]}"
        thread = threading.Thread(target=cls.server.serve_forever, daemon=True)
        thread.start()
        cls.addClassCleanup(cls.server.server_close)
        cls.addClassCleanup(cls.server.shutdown)
        _Handler.routes = {
            "/good.yaml": GOOD.encode(),
            "/big.yaml": b"#" * (loader.MAX_BYTES + 10),
            "/broken.yaml": b"kind: {{ app.name\n",
        }

    def test_load_shipped_file(self):
        manifest = self.env["kubernetes.manifest"].create(
            {"name": "Service", "url": "kubernetes_base/data/manifests/service.yaml.j2"}
        )
        self.assertIn("kind: Service", manifest.content)
        self.assertTrue(manifest.loaded_date)

    def test_load_and_reload_over_http(self):
        manifest = self.env["kubernetes.manifest"].create(
            {"name": "Extra", "url": self.base_url + "/good.yaml"}
        )
        self.assertEqual(manifest.content, GOOD)
        manifest.content = GOOD.replace("-extra", "-changed")
        manifest.action_reload()
        self.assertEqual(manifest.content, GOOD)

    def test_refused_urls(self):
        manifests = self.env["kubernetes.manifest"]
        cases = {
            "/etc/passwd": "addon_name/path/file",
            "../../etc/passwd": "addon_name/path/file",
            "ftp://example.com/x.yaml": "only http, https",
        }
        for url, reason in cases.items():
            with self.subTest(url=url), self.assertRaisesRegex(ValidationError, reason):
                manifests.create({"name": "Bad", "url": url, "content": GOOD})

    def test_load_errors_change_nothing(self):
        manifests = self.env["kubernetes.manifest"]
        cases = {
            self.base_url + "/missing.yaml": "HTTP 404",
            self.base_url + "/big.yaml": "larger than",
            "kubernetes_base/data/manifests/none.yaml": "cannot be read",
        }
        count = manifests.search_count([])
        for url, reason in cases.items():
            with self.subTest(url=url), self.assertRaisesRegex(UserError, reason):
                manifests.create({"name": "Bad", "url": url})
        self.assertEqual(manifests.search_count([]), count)

    def test_invalid_template_refused(self):
        with self.assertRaisesRegex(ValidationError, "not a valid template"):
            self.env["kubernetes.manifest"].create(
                {"name": "Broken", "url": self.base_url + "/broken.yaml"}
            )
