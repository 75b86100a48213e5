"""The SparkSession the Spark engine runs on, with the checks that turn a broken setup into a clear message.

``--spark-master`` (default ``local[*]``) and ``--spark-conf key=value`` go to the builder; the Python
workers always run this interpreter (``spark.pyspark.python``), so they import the same packages.

Example:
    >>> parse_conf(["spark.sql.shuffle.partitions=8"])
    {'spark.sql.shuffle.partitions': '8'}
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import warnings

from ..errors import ConfigError, MultilabeltextError

INSTALL_FIX = "pip install 'multilabeltext[spark]'   (or: pip install -r requirements-spark.txt)"
JAVA_FIX = "apt-get install -y openjdk-17-jre-headless   (Spark 4 needs Java 17 or newer; or set JAVA_HOME)"
MIN_JAVA = 17
# the local JVM's flags. A prepare of the Kaggle dump (scale 1) is a JVM of ~90 s, and HotSpot's C2 compiler
# spent 26-27 s of CPU in it (of 111 s of JVM CPU, on 2 cores): C2 now compiles only methods 10x hotter than its
# default thresholds (12 s), and the throughput collector replaces G1 (no concurrent marking): 82-84 s instead of
# 90-93 s. The C1 compiler alone (-XX:TieredStopAtLevel=1) was slower (86 s: its code is slower). Spark ML's
# pure-Java BLAS: without a system libblas its native loader prints ``netlib-blas: JNI_OnLoad: dlopen(libblas.so.3)
# failed`` (harmless: it falls back to Java). A ``--spark-conf spark.driver.extraJavaOptions=...`` replaces them all.
LOCAL_JAVA_OPTIONS = (
    "-XX:+UseParallelGC",
    "-XX:Tier4InvocationThreshold=50000", "-XX:Tier4CompileThreshold=150000", "-XX:Tier4BackEdgeThreshold=400000",
    "-Ddev.ludovic.netlib.blas.allowNative=false",
)
# a local session: no UI, driver on the loopback, shuffle partitions of bounded size at every input size
LOCAL_DEFAULTS = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.driver.host": "127.0.0.1",
    "spark.driver.bindAddress": "127.0.0.1",
    "spark.sql.shuffle.partitions": "64",  # adaptive execution merges them on small inputs; 8 ran out of memory at 2 GB
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.sql.session.timeZone": "UTC",
    "spark.driver.memory": "4g",  # local mode runs the executors in the driver's JVM (Spark's default: 1g)
    # adaptive execution may also merge the partitions of a persisted result (Spark leaves them at the 64 shuffle
    # partitions: every later Python stage then paid 64 tasks' worker overhead on a few MB), and merges no
    # stage below 4 tasks per core (at the default, one per core, the answers' cleaning ran as 4 tasks of which
    # one took half the stage): prepare at scale 0.25 went from 282 s (load 0.5-8) to 98 s (load 4)
    "spark.sql.optimizer.canChangeCachedPlanOutputPartitioning": "true",
    # a join side up to 64 MB (the Kaggle tags grouped per question, the questions' ids the answers are joined
    # to) is broadcast: the other side (the questions' or answers' texts) is then not shuffled before cleaning
    "spark.sql.adaptive.autoBroadcastJoinThreshold": "64m",
    # the one JVM of a local session (driver and executors): see LOCAL_JAVA_OPTIONS
    "spark.driver.extraJavaOptions": " ".join(LOCAL_JAVA_OPTIONS),
    # shuffles and the columnar caches go to this machine's own disk, never over a network: compressing them
    # cost CPU for nothing (at scale 1 the three together: ~3 s of a 84 s prepare)
    "spark.shuffle.compress": "false",
    "spark.shuffle.spill.compress": "false",
    "spark.sql.inMemoryColumnarStorage.compressed": "false",
}
# set for local masters from the number of cores (``local[N]``; ``local[*]``: this machine's)
LOCAL_MIN_PARTITIONS_PER_CORE = 4


class SparkSetupError(MultilabeltextError):
    """Spark cannot run here: pyspark or Java is missing, too old, or the session did not start."""


def parse_conf(pairs: list[str] | None) -> dict[str, str]:
    """``key=value`` strings (``--spark-conf``) as a dict; raises :class:`ConfigError` for a malformed one."""
    conf = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"--spark-conf expects key=value, got {pair!r}.",
                              fix="pass e.g. --spark-conf spark.executor.memory=4g")
        conf[key.strip()] = value.strip()
    return conf


def java_version(java: str | None = None) -> int | None:
    """Major version of the ``java`` Spark would start (JAVA_HOME's, else the one on PATH), or None."""
    if java is None:
        home = os.environ.get("JAVA_HOME")
        java = os.path.join(home, "bin", "java") if home else shutil.which("java")
    if not java or not os.path.exists(java):
        return None
    try:
        out = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r'version "(\d+)(?:\.(\d+))?', out.stderr + out.stdout)
    if not match:
        return None
    major = int(match.group(1))
    return int(match.group(2) or 0) if major == 1 else major  # "1.8.0" is Java 8


def check_environment() -> None:
    """Raise :class:`SparkSetupError` with the fix when pyspark or a recent enough Java is missing."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        raise SparkSetupError("--engine spark needs pyspark, which is not installed.", fix=INSTALL_FIX) from None
    version = java_version()
    if version is None:
        raise SparkSetupError("--engine spark needs Java (Spark runs on the JVM), and no java was found "
                              "(JAVA_HOME or PATH).", fix=JAVA_FIX)
    if version < MIN_JAVA:
        raise SparkSetupError(f"--engine spark needs Java {MIN_JAVA} or newer, found Java {version}.", fix=JAVA_FIX)


def local_cores(master: str) -> int:
    """The cores a ``local``, ``local[N]``, ``local[*]`` or ``local[N, retries]`` master runs on.

    Example:
        >>> local_cores("local[2]"), local_cores("local"), local_cores("local[3, 2]")
        (2, 1, 3)
    """
    match = re.fullmatch(r"local(?:\[\s*(\*|\d+)\s*(?:,\s*\d+\s*)?\])?", master.strip())
    if match and match.group(1) is None:
        return 1
    if match and match.group(1) != "*":
        return int(match.group(1))
    return os.cpu_count() or 1


def get_session(master: str | None = None, conf: dict[str, str] | None = None, app_name: str = "multilabeltext"):
    """The active SparkSession, or a new one on ``master`` with ``conf`` (checked first: pyspark, Java).

    Under ``spark-submit`` the master and conf given there win (the session already exists, or the
    builder picks them up from the submit); ``local`` masters get :data:`LOCAL_DEFAULTS` and adaptive
    execution's ``coalescePartitions.minPartitionNum`` at :data:`LOCAL_MIN_PARTITIONS_PER_CORE` per core.
    """
    check_environment()
    submitted = bool(os.environ.get("PYSPARK_GATEWAY_PORT"))  # set by spark-submit for a Python driver
    if not submitted:  # local: the workers run this interpreter (else: `No module named 'pyarrow'`)
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYARROW_IGNORE_TIMEZONE", "1")
    warnings.filterwarnings("ignore", message=".*PySpark does not yet fully support pandas.*")
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    builder = SparkSession.builder.appName(app_name)
    if master or not submitted:
        master = master or "local[*]"
        builder = builder.master(master)
        if master.startswith("local"):
            for key, value in LOCAL_DEFAULTS.items():
                builder = builder.config(key, value)
    if os.environ.get("PYSPARK_PYTHON"):
        builder = builder.config("spark.pyspark.python", os.environ["PYSPARK_PYTHON"])
    for key, value in (conf or {}).items():
        builder = builder.config(key, value)
    try:
        session = builder.getOrCreate()
    except Exception as exc:  # py4j / JVM start-up failures have many types
        raise SparkSetupError(f"the Spark session did not start: {str(exc).splitlines()[0][:300]}",
                              fix="check --spark-master and --spark-conf; for a local run "
                                  f"use --spark-master 'local[*]'. {JAVA_FIX}") from None
    # a failed task's JVM stack trace is not for the user (the library raises its own short error)
    local = session.sparkContext.master.startswith("local")
    session.sparkContext.setLogLevel("FATAL" if local else "ERROR")
    key = "spark.sql.adaptive.coalescePartitions.minPartitionNum"  # deprecated (a warning) but read by Spark 4
    if local and key not in (conf or {}):
        session.conf.set(key, str(LOCAL_MIN_PARTITIONS_PER_CORE * local_cores(session.sparkContext.master)))
    return session
