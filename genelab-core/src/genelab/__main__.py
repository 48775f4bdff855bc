"""``python -m genelab``: the same as the ``genelab`` command."""

from genelab.cli.app import main

main()
