"""Browser tests: the three UIs driven through Chromium with Playwright."""
