"""The Spark engine: the same stages as the embedded engine, run on Apache Spark (``--engine spark``).

An adapter, not a fork: it maps the embedded engine's pure batch functions (line parsers, tag parsing and
selection, HTML cleaning, field joining) over partitions with ``mapInPandas`` and writes the same
dataset directory that :func:`multilabeltext.data.dataset.load_dataset` reads. Nothing here is imported
unless ``--engine spark`` is asked for; pyspark is the optional extra ``multilabeltext[spark]``.

Modules: :mod:`.session` (the SparkSession, Java and pyspark checks), :mod:`.readers` (every input format
as Spark DataFrames), :mod:`.split` (the hash split and its rare-tag repair), :mod:`.prepare` (the stage).
"""
