"""``python -m tests.topology``: start the multi-host topology and keep it up."""

from tests.topology.topology import main

main()
