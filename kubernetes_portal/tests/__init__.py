from . import test_kubernetes_app
from . import test_portal_access
from . import test_portal_actions
from . import test_portal_pages
from . import test_portal_queries
from . import test_portal_status
from . import test_portal_tour
