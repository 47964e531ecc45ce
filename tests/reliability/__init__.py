"""Reliability and security: nothing is lost, nobody gets in.

Each scenario runs in the suite in a short form; the long forms run by hand with
``python -m tests.reliability.NAME --full`` (see the README's "Reliability" section).
"""
