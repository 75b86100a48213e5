"""One local SparkSession for every Spark test (starting one takes 15-35 s on 2 cores): import ``spark``.

pyspark and Java are part of the CI install (requirements-spark.txt, openjdk-17 in .ci/run): when either
is missing these tests fail with the setup message; they are never skipped.
"""

from __future__ import annotations

import pytest
from conftest import describe


@pytest.fixture(scope="session")
def spark():
    """``local[2]``, UI off, driver on 127.0.0.1, 4 shuffle partitions; commands run in-process reuse it."""
    from multilabeltext.spark.session import get_session

    session = get_session("local[2]", {"spark.sql.shuffle.partitions": "4",
                                       "spark.default.parallelism": "2"})
    yield session
    session.stop()


def assert_user_error(result, *words):
    """Exit code 2 with an ``Error:`` and a ``Fix:`` line naming each of ``words``; no traceback, py4j or JVM frame."""
    assert result.exit_code == 2, describe(result)
    assert "Error:" in result.stderr and "Fix:" in result.stderr, describe(result)
    assert "Traceback" not in result.output and "py4j" not in result.output and "at org.apache" not in result.output
    for word in words:
        assert word in result.stderr, (word, describe(result))
