"""``python -m timeline.cli``: the same as the ``timeline`` console script."""

from timeline.cli import main

main()
