"""GeneLab's built-in tasks, registered by :mod:`genelab.tasks.plugin`."""
