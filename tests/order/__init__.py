"""Tests of the order system."""
