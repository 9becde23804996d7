"""The sandbox fixtures come from the plugin registered in tests/conftest.py."""
