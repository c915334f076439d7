import uuid


def give_access_tokens(env):
    """Give a portal access token of its own to every subscription that has
    none or shares its token with another subscription.

    Subscriptions that existed before this addon have no token: new ones get
    theirs when they are created. A database installed by version 18.0.1.0.0
    gave all of them one token, the field default written into every row.
    With every subscription holding its own token, no portal page has to
    write one while it is shown.

    :returns: the number of subscriptions given a new token
    """
    env["sale.subscription"].flush_model(["access_token"])
    env.cr.execute(
        """
        SELECT id FROM sale_subscription
        WHERE access_token IS NULL OR access_token IN (
            SELECT access_token FROM sale_subscription
            GROUP BY access_token HAVING count(*) > 1
        )
        """
    )
    ids = [row[0] for row in env.cr.fetchall()]
    if ids:
        env.cr.execute(
            """
            UPDATE sale_subscription AS subscription
            SET access_token = token.value
            FROM unnest(%s, %s) AS token(id, value)
            WHERE subscription.id = token.id
            """,
            (ids, [str(uuid.uuid4()) for _id in ids]),
        )
        env["sale.subscription"].invalidate_model(["access_token"])
    return len(ids)


def post_init_hook(env):
    """Give the subscriptions that existed before this addon their access
    tokens."""
    give_access_tokens(env)
