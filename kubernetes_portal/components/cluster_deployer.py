from odoo.addons.component.core import AbstractComponent

#: The annotation ``kubectl rollout restart`` sets; the cluster replaces the
#: pods of a workload whose pod template changes.
RESTARTED_AT_ANNOTATION = "kubectl.kubernetes.io/restartedAt"
#: Workloads that roll their pods on a template change, as kubectl restarts
#: them. Jobs are left out: their pod template cannot be changed.
RESTARTABLE_KINDS = {
    ("apps", "Deployment"),
    ("apps", "StatefulSet"),
    ("apps", "DaemonSet"),
}


class KubernetesClusterDeployer(AbstractComponent):
    """Cluster deployer that rolls the pods of an app asked to restart."""

    _inherit = "kubernetes.deployer.cluster"

    def _render(self, app, credentials):
        """Stamp the app's restart time on the pod templates of its workloads.

        The time stays on later deploys, so only a new restart changes the
        templates again.
        """
        rendered = super()._render(app, credentials)
        if app.restarted_at:
            stamp = app.restarted_at.strftime("%Y-%m-%dT%H:%M:%SZ")
            for obj in rendered:
                template = self._get_restartable_pod_template(obj)
                if template is not None:
                    metadata = template.setdefault("metadata", {})
                    annotations = metadata.setdefault("annotations", {})
                    annotations[RESTARTED_AT_ANNOTATION] = stamp
        return rendered

    def _get_restartable_pod_template(self, obj):
        """Return the pod template of a restartable workload, or None."""
        group = obj.get("apiVersion", "").rpartition("/")[0]
        if (group, obj.get("kind")) not in RESTARTABLE_KINDS:
            return None
        template = obj.get("spec", {}).get("template")
        return template if isinstance(template, dict) else None
