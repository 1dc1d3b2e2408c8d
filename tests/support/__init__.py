"""Helpers the tests share: stand-ins, builders and checks; fixtures stay in conftest.py."""
