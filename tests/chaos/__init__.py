"""Chaos tests: broker restarts, killed workers and injected faults, then every replica must converge."""
