"""Sessions: log-in and log-out, the signed token recognised by every system, its public keys, and log-in throttling."""
