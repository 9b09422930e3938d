"""The user system: accounts, credentials, roles and sessions (it alone issues tokens), plus a copy of each user's orders."""


def create_app(test_config=None):
    """The user system's Flask app."""
    from federation.web import create_system_app
    from systems.user.system import SYSTEM

    return create_system_app(SYSTEM, test_config)
