from . import mail_message
from . import sale_subscription
