# Copyright 2026 Mint System GmbH
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
{
    "name": "Kubernetes Backend: kr8s",
    "summary": "Deploy apps with the kr8s Kubernetes client",
    "version": "18.0.1.0.0",
    "category": "Technical",
    "license": "AGPL-3",
    "author": "Mint System, Odoo Community Association (OCA)",
    "website": "https://github.com/Mint-System/Vertical-SaaS",
    "development_status": "Alpha",
    "maintainers": ["mint-system"],
    "depends": ["kubernetes_base"],
    "external_dependencies": {"python": ["kr8s", "httpx"]},
    "installable": True,
}
