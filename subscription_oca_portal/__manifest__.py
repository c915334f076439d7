# Copyright 2026 Mint System GmbH
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
{
    "name": "Subscription Portal",
    "summary": "Customer portal pages for OCA subscriptions.",
    "version": "18.0.1.0.1",
    "development_status": "Alpha",
    "category": "Subscription Management",
    "website": "https://github.com/Mint-System/Vertical-SaaS",
    "author": "Mint System, Odoo Community Association (OCA)",
    "maintainers": ["mint-system"],
    "license": "AGPL-3",
    "depends": ["subscription_oca", "portal"],
    "data": [
        "security/ir.model.access.csv",
        "security/sale_subscription_security.xml",
        "views/subscription_oca_portal_templates.xml",
    ],
    "demo": ["demo/subscription_oca_portal_demo.xml"],
    "post_init_hook": "post_init_hook",
    "assets": {
        "web.assets_tests": [
            "subscription_oca_portal/static/tests/tours/**/*",
        ],
    },
}
