"""Validation of the deployment manifests (deploy/)."""
