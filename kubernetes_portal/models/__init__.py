from . import kubernetes_app
from . import kubernetes_config_map
from . import mail_message
