"""The ``atlas`` command: a thin shell over ``ingest`` and ``explorer``."""
