"""Runnable reference implementations of core interpretability methods, with tiny toy models.

See ``methods/catalog.yaml`` for the catalogue and :func:`methods.runner.run_method` to run one.
"""
