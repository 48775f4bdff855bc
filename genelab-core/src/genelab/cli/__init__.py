"""The ``genelab`` command line (typer). Heavy imports happen inside commands."""
