from odoo.tests.common import tagged

from .common import KubernetesPortalCase

#: Most queries of one list page, whether it shows 1 app or 20. Measured with
#: every addon of the repository installed (the website adds its own); fewer
#: addons make fewer.
LIST_QUERIES = 26


@tagged("post_install", "-at_install", "is_query_count")
class TestPortalQueries(KubernetesPortalCase):
    """The list pages cost the same number of queries for 1 app or 20."""

    def _count_queries(self, url):
        """Return the queries of one GET of ``url``, after a warm-up that fills
        the caches (templates, rules, assets); at most :data:`LIST_QUERIES`."""
        self._get(url)
        self._get(url)
        with self.assertQueryCount(LIST_QUERIES):
            before = self.cr.sql_log_count
            response = self._get(url)
            count = self.cr.sql_log_count - before
        self.assertEqual(response.status_code, 200)
        return count

    def _create_more_apps(self, count):
        namespace_int = self.env["kubernetes.namespace"]._get_or_create(
            self.customer_a, self.env_int, self.company
        )
        for index in range(count):
            namespace = namespace_int if index % 2 else self.namespace_a
            app = self._create_app(f"alpha-{index:02d}", namespace)
            if index % 3 == 0:
                app.write({"state": "failed", "last_error": f"Reason {index}"})
            elif index % 3 == 1:
                app.write({"state": "suspended", "suspend_reason": f"Why {index}"})
        self.env.flush_all()

    def test_list_query_count(self):
        urls = ("/my/apps", "/my/apps?sortby=environment&filterby=all&search=alpha")
        self._login(self.user_a)
        single = {url: self._count_queries(url) for url in urls}
        self._create_more_apps(19)
        many = {url: self._count_queries(url) for url in urls}
        for url in urls:
            self.assertEqual(self._get(url).text.count("o_kubernetes_app_row"), 20)
        self.assertEqual(single, many, "queries for 1 app and for 20")
        # The count covers the request itself.
        self.assertGreater(min(single.values()), 10)

    def test_counter_query_count(self):
        self._login(self.user_a)
        params = {"counters": ["app_count"]}
        self.make_jsonrpc_request("/my/counters", params)
        before = self.cr.sql_log_count
        self.make_jsonrpc_request("/my/counters", params)
        single = self.cr.sql_log_count - before
        self._create_more_apps(19)
        self.make_jsonrpc_request("/my/counters", params)
        before = self.cr.sql_log_count
        self.assertEqual(
            self.make_jsonrpc_request("/my/counters", params)["app_count"], 20
        )
        self.assertEqual(self.cr.sql_log_count - before, single)
