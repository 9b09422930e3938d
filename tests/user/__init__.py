"""Tests of the user system: accounts, sessions and single sign-on, the orders copy, the command line."""
