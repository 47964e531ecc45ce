"""From an article's text to proposed facts: the pure rules a curator applies by hand.

``spans`` (sentences and clauses, with offsets), ``numbers`` and ``counts`` (figures and
what they count), ``times`` (date phrases, resolved by ``timeline.domain.phrases``),
``kinds`` (cue words), ``names`` (actors, places, countries) and ``anchors`` (acts the record
dates) feed ``drafting``, which makes ``Proposal`` values (``proposals``) for an ``Article``
(``articles``), less repeats (``repeats``). ``matching`` sets each against the facts on
record, and ``documents`` writes a draft in the seed format. No module does I/O; the
application reads the record (``timeline.application.proposing``).
"""
