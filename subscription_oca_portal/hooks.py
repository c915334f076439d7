def post_init_hook(env):
    """Give the subscriptions that existed before this addon their portal
    access token.

    New subscriptions get theirs when they are created; with every
    subscription holding one, no portal page has to write a token while it is
    shown.
    """
    subscriptions = (
        env["sale.subscription"]
        .with_context(active_test=False)
        .search([("access_token", "=", False)])
    )
    for subscription in subscriptions:
        subscription._portal_ensure_token()
