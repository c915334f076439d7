# Copyright 2026 Mint System GmbH
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
{
    "name": "Kubernetes Portal",
    "summary": "Customers follow, restart and configure their apps in the portal",
    "version": "18.0.1.0.1",
    "category": "Technical",
    "license": "AGPL-3",
    "author": "Mint System, Odoo Community Association (OCA)",
    "website": "https://github.com/Mint-System/Vertical-SaaS",
    "development_status": "Alpha",
    "maintainers": ["mint-system"],
    "depends": ["kubernetes_base", "portal"],
    "data": [
        "security/ir.model.access.csv",
        "security/kubernetes_portal_rules.xml",
        "views/kubernetes_app_views.xml",
        "views/kubernetes_portal_templates.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "kubernetes_portal/static/tests/tours/**/*",
        ],
    },
    "post_init_hook": "post_init_hook",
    "installable": True,
}
