"""Tests of the Docker Compose stack."""
