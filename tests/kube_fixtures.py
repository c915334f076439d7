"""Fixtures of the backend tests, loaded by the test modules with
``pytest_plugins = ["kube_fixtures"]`` (``tests/conftest.py`` only makes the
addons importable):

- ``kube``: one :class:`kube_mock.KubeMock` per test module;
- ``mock_cluster``: the same mock, emptied for the test;
- ``backend``: a :class:`kube_backends.Backend` for each of ``api``, ``kr8s``
  and ``memory`` (the dry-run cluster), ``http_backend`` for the first two;
- ``transport_class``: ``ApiTransport`` and ``Kr8sTransport``, for tests
  against other servers.
"""

import pytest
from kube_backends import ALL_BACKENDS, HTTP_BACKENDS, TRANSPORTS, Backend
from kube_mock import KubeMock


@pytest.fixture(scope="module")
def kube():
    """The mock Kubernetes API, for the whole module."""
    with KubeMock() as mock:
        yield mock


@pytest.fixture
def mock_cluster(kube):
    """The mock Kubernetes API, empty."""
    kube.reset()
    return kube


@pytest.fixture(params=ALL_BACKENDS)
def backend(request, mock_cluster):
    """Each backend: the two real ones on the mock, and the dry run."""
    under_test = Backend(request.param, mock_cluster)
    yield under_test
    under_test.close()


@pytest.fixture(params=HTTP_BACKENDS)
def http_backend(request, mock_cluster):
    """Each backend that speaks HTTP, on the mock."""
    under_test = Backend(request.param, mock_cluster)
    yield under_test
    under_test.close()


@pytest.fixture(params=HTTP_BACKENDS)
def transport_class(request):
    """The transport class of each backend that speaks HTTP."""
    return TRANSPORTS[request.param]
