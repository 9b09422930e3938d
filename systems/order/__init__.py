"""The order system: carts, checkout and the order saga, working from local copies of customers and products."""


def create_app(test_config=None):
    """The order system's Flask app."""
    from federation.web import create_system_app
    from systems.order.system import SYSTEM

    return create_system_app(SYSTEM, test_config)
