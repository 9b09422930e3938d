"""The test suite, by tier: one package per system, the runtime, the contracts, end to end, browser, security, chaos."""
