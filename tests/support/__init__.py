"""Test support shared by every test area: servers the tests start themselves, the local host, tokens."""
