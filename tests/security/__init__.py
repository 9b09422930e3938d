"""Security tests: web hardening, fuzzed APIs and poison messages, broker least privilege, key rotation."""
