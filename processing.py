#!/usr/bin/env python
"""The 2018 tutorial's entry point, now the ``prepare`` command with the same options.

    python processing.py data/pythonquestions/Questions.csv --out data/pyq --top-n 10 --exclude-tag python

See ``python processing.py --help``; ``multilabeltext prepare --help`` is the same command.
"""

from multilabeltext.cli import processing_main

if __name__ == "__main__":
    processing_main()
