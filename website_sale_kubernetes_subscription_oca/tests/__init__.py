from . import test_provisioning
from . import test_name_race
from . import test_invitation
from . import test_lifecycle
from . import test_checkout
from . import test_tour
from . import test_portal_app_name
from . import test_unpaid
