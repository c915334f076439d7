from . import test_app_validation
from . import test_app_identity
from . import test_config
from . import test_provisioning
from . import test_locking
from . import test_component_selection
from . import test_manifest
from . import test_security
