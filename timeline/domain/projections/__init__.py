"""Projections: pure folds over the log, answering "as known at K, as recorded before T".

``logged`` places a domain event in the log, ``visibility`` says which events a point in
time sees, ``revisions`` folds facts into their revisions with knowledge intervals, and the
read models (``readings``, ``totals``, ``history``, ``changes``) are functions of those.
"""
