"""Tests of the shared runtime in federation/, through a small sample system."""
