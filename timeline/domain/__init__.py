"""The pure domain: fuzzy dates, quantities, facts, their events and projections.

Nothing in here performs I/O, reads the clock or the environment.
"""
