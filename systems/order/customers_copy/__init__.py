"""Local copy of the user system's customers, kept from user.* events."""
