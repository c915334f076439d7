from . import product_template
from . import kubernetes_app
from . import sale_order_line
from . import sale_order
from . import sale_subscription
from . import mail_mail
from . import payment_transaction
from . import website
