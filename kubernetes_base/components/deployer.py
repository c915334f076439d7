from odoo.addons.component.core import AbstractComponent


class KubernetesDeployer(AbstractComponent):
    """What a deploy backend does for an app, whatever talks to the cluster.

    Components are looked up on a company (the collection) with the usage
    ``kubernetes.deployer``; among the concrete ones, only the component whose
    :attr:`_backend_type` equals the company's ``kubernetes_backend`` matches,
    so adding a backend is adding an addon, never a branch here. Every method
    raises :mod:`..lib.exceptions` types for cluster faults.
    """

    _name = "kubernetes.deployer"
    _collection = "res.company"
    _usage = "kubernetes.deployer"
    _apply_on = ["kubernetes.app"]

    #: Value of ``res.company.kubernetes_backend`` this deployer serves.
    _backend_type = None
    #: Whether the backend needs an API URL and a token (the settings show
    #: those fields only then).
    _needs_connection = True

    @classmethod
    def _component_match(cls, work, usage=None, model_name=None, **kw):
        backend = kw.get("backend_type") or work.collection.kubernetes_backend
        return cls._backend_type is not None and cls._backend_type == backend

    def apply(self, app, new_credentials=False):
        """Render and apply the app's objects; return the rendered objects.

        :param new_credentials: generate new credentials instead of keeping
            the ones the cluster already holds
        """
        raise NotImplementedError

    def status(self, app):
        """Return the app's :class:`..lib.cluster.AppStatus`."""
        raise NotImplementedError

    def suspend(self, app):
        """Scale the app to zero, keeping its data."""
        raise NotImplementedError

    def resume(self, app):
        """Scale a suspended app back up."""
        raise NotImplementedError

    def delete(self, app):
        """Remove the app's objects; return their ``Kind/name`` list."""
        raise NotImplementedError

    def read_credentials(self, app):
        """Return the app's generated credentials as a dict, or None."""
        raise NotImplementedError

    def test_connection(self):
        """Return ``(success, message)`` after one call to the cluster."""
        raise NotImplementedError
