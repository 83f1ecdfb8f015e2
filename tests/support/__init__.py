"""Helpers shared by the test suites: scripted turns, thread inspection, servers."""
