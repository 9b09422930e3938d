"""The catalog system: products, prices and stock; reserves stock for orders and counts sales."""


def create_app(test_config=None):
    """The catalog's Flask app (web UI and JSON API)."""
    from federation.web import create_system_app
    from systems.catalog.system import SYSTEM

    return create_system_app(SYSTEM, test_config)
