def post_init_hook(env):
    """Give the apps that existed before this addon their portal access token.

    New apps get theirs when they are created; with every app holding one, no
    portal page has to write a token while it is shown.
    """
    for app in env["kubernetes.app"].search([("access_token", "=", False)]):
        app._portal_ensure_token()
