# Copyright 2026 Mint System GmbH
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
{
    "name": "Website Sale Kubernetes Subscription",
    "summary": "Sell hosted apps in the shop: app name at checkout, subscription, "
    "deployment and invitation",
    "version": "18.0.1.0.1",
    "category": "Website/eCommerce",
    "license": "AGPL-3",
    "author": "Mint System, Odoo Community Association (OCA)",
    "website": "https://github.com/Mint-System/Vertical-SaaS",
    "development_status": "Alpha",
    "maintainers": ["mint-system"],
    "depends": ["website_sale", "kubernetes_base", "subscription_oca", "payment_demo"],
    "data": [
        "data/mail_template_data.xml",
        "data/ir_cron_data.xml",
        "views/website_sale_kubernetes_subscription_oca_templates.xml",
        "views/kubernetes_app_views.xml",
        "views/sale_order_views.xml",
        "views/sale_subscription_views.xml",
        "views/res_config_settings_views.xml",
    ],
    "demo": ["demo/website_sale_kubernetes_subscription_oca_demo.xml"],
    "assets": {
        "web.assets_frontend": [
            "website_sale_kubernetes_subscription_oca/static/src/js/**/*",
        ],
        "web.assets_tests": [
            "website_sale_kubernetes_subscription_oca/static/tests/tours/**/*",
        ],
    },
    "post_init_hook": "post_init_hook",
    "installable": True,
}
