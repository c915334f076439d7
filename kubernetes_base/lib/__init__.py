"""Plain-Python parts of kubernetes_base: nothing here imports Odoo."""
