"""Errors raised by the plain-Python side of the Kubernetes addons.

The provisioning cron only needs to know one thing about a failure: try again
later, or stop and show the reason. The two branches of this module answer it:
:class:`RetryableError` and its subclasses are worth another attempt after a
delay, :class:`PermanentError` and its subclasses are not. Every message is
written for the operator who reads it on the app, and never holds a secret.
"""


class KubernetesError(Exception):
    """Base class of every error raised by the Kubernetes libraries."""

    retryable = False

    def __init__(self, message, status=None):
        super().__init__(message)
        self.message = message
        self.status = status

    def __str__(self):
        return self.message


class RetryableError(KubernetesError):
    """A transient fault: the same call may succeed a little later."""

    retryable = True


class ClusterUnavailableError(RetryableError):
    """The cluster did not answer: refused connection, timeout, or a 5xx."""


class NamespaceTerminatingError(RetryableError):
    """The namespace is still being deleted (a 403 with the cause
    ``NamespaceTerminating``); once it is gone, the same write succeeds."""


class PermanentError(KubernetesError):
    """A fault that repeating the call will not fix."""


class CredentialsError(PermanentError):
    """The cluster refused the token (401) or its permissions (403)."""


class NotFoundError(PermanentError):
    """The object or the API path does not exist (404)."""


class ConflictError(PermanentError):
    """Another field manager or a concurrent write owns the change (409)."""


class InvalidObjectError(PermanentError):
    """The cluster rejected an object as invalid (422)."""


class RenderError(PermanentError):
    """A manifest could not be turned into Kubernetes objects."""

    def __init__(self, message, manifest=None, line=None):
        where = manifest or ""
        if line:
            where = f"{where}, line {line}" if where else f"line {line}"
        super().__init__(f"{where}: {message}" if where else message)
        self.manifest = manifest
        self.line = line
        self.reason = message


class ConfigurationError(PermanentError):
    """The company's connection settings are incomplete or malformed."""
