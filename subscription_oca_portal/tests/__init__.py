from . import test_sale_subscription
from . import test_portal_controller
from . import test_portal_tour
