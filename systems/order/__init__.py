"""The order system: carts, checkout and the order saga, working from local copies of customers and products."""


def create_app(test_config=None):
    """The order system's Flask app."""
    from systems.order.system import SYSTEM

    return SYSTEM.create_app(test_config)
