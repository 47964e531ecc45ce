"""From an article's text to proposed facts: the pure rules a curator applies by hand.

Sentences (``spans``), figures (``numbers``), time phrases (``times``), kinds (``kinds``)
and names (``names``) are found by rules and maintained libraries, never by a downloaded
model; ``drafting`` puts them together into ``Proposal`` values. Matching proposals against
what the record already holds is the application's (``timeline.application.proposing``).
"""
