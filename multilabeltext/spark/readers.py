"""Every input format as one Spark DataFrame of parsed records, using the embedded readers' own parsers.

Line formats (``Posts.xml``, fastText, JSON Lines) are read with ``spark.read.text``, so a large file is
split into tasks by lines; CSV formats (Kaggle triple, Posts.csv / Data Explorer, CSV/TSV tables), when
local, in record-aligned byte ranges parsed by the embedded CSV parser (:mod:`.csv_ranges`), else (a URI,
UTF-16) with Spark's CSV reader (``multiLine``: one task per file); Parquet with ``spark.read.parquet``. Each file's records
then go through a parser of this module inside ``mapInPandas``, which calls the embedded reader's pure
functions (``posts_xml.parse_line``, ``fasttext.parse_line``, ``parse_tags``, the table reader's column
rules) and emits rows of :data:`PARSED_SCHEMA`:

* ``kind``: ``q`` question, ``a`` answer, ``o`` other post type, ``m`` malformed (``note`` says why),
  ``t`` a run of one question's Kaggle Tags.csv rows (``tags``), ``n``/``r`` a Tags.csv name / PostTags.csv
  link, ``i`` a fastText id line,
  ``p`` one summary row per partition (``local`` records read, ``qlocal`` questions, ``score`` XML rows);
* a question's ``title`` and ``body`` are cleaned as they are parsed (``transforms.clean_questions``: no second
  pass over the raw HTML) and ``dkey`` is its duplicate key (``transforms.question_key_texts`` hashed; null
  when the question's own text is blank); an answer's ``body`` stays raw (only the answers of kept questions
  get cleaned, later);
* ``pid`` (the task's partition, ordered like the files), ``local`` (record index in the partition) and
  ``qlocal`` (question index in the partition): from these the driver numbers rows in source order,
  whatever the partitioning, the way the embedded engine numbers them while streaming.

Paths may be local or any Hadoop URI Spark reads (``s3a://``, ``hdfs://``); headers are read on the
driver first, so a missing file or column is reported before any job runs.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..config import PrepareConfig
from ..data.readers.base import find_column, require_column
from ..errors import ConfigError, InputNotFoundError, MalformedInputError, MissingColumnError, UnknownFormatError
from .csv_ranges import ROWS_PER_FRAME, splittable

PARSED_SCHEMA = ("kind string, pid int, file int, local long, qlocal long, id string, title string, body string, "
                 "tags array<string>, split string, parent_id string, score long, note string, dkey long")
PARSED_COLUMNS = ["kind", "pid", "file", "local", "qlocal", "id", "title", "body", "tags", "split", "parent_id",
                  "score", "note", "dkey"]
CORRUPT = "_corrupt_record"
MALFORMED_EXAMPLES = 5  # malformed records kept per partition (and per run) as examples naming their line
JSON_HEADER_ROWS = 20000  # the embedded JSON Lines reader takes its columns from its first batch of this size


def is_uri(path: str) -> bool:
    """``s3a://bucket/x`` and friends (not a local path; ``file://`` counts as a URI too)."""
    return "://" in str(path)


def display_name(path: str) -> str:
    return str(path).rstrip("/").rsplit("/", 1)[-1]


@dataclass
class FilePlan:
    """One input file: its path, its role in the format, and the options its parser needs."""

    path: str
    role: str  # xml | fasttext | fasttext-ids | jsonl | parquet | table-csv | posts-csv | kq | ka | kt | kn | kr
    reader: str  # text | csv | parquet
    options: dict = field(default_factory=dict)
    columns: dict = field(default_factory=dict)  # role-specific column names


@dataclass
class SparkSource:
    """What the driver knows before any job: format, files, and how ids are numbered when the data has none."""

    format_name: str
    html: bool
    encoding: str
    plans: list[FilePlan]
    id_from: str | None = None  # None (ids in the data) | "line" | "question" | "record"
    n_inputs: int = 1  # data files (ids are prefixed by the file name when several)

    @property
    def local_files(self) -> list[Path]:
        return [Path(p.path) for p in self.plans if not is_uri(p.path)]


# --------------------------------------------------------------------------------------------- the plan


def plan_source(inputs: list[str], config: PrepareConfig) -> SparkSource:
    """Check inputs and headers on the driver and decide how each file is read (no Spark needed)."""
    from ..data.readers import detect_format
    from ..data.readers.kaggle import kaggle_files, sniff_encoding, without_siblings

    inputs = [str(p) for p in inputs]
    if not any(is_uri(p) for p in inputs):  # the whole Kaggle triple given: its Questions.csv brings the rest
        inputs = [str(p) for p in without_siblings([Path(p) for p in inputs])]
    for p in inputs:
        if not is_uri(p) and not Path(p).exists():
            raise InputNotFoundError(p)
    fmt = config.format
    if fmt == "auto":
        if all(not is_uri(p) for p in inputs):
            fmt = detect_format([Path(p) for p in inputs], config.encoding)
        else:
            fmt = _format_from_suffix(inputs[0])
    if fmt == "kaggle":
        plans = []
        encoding = config.encoding
        for p in inputs:
            if is_uri(p):
                raise ConfigError("the Kaggle triple is located by its sibling files, which needs local paths.",
                                  path=p, fix="pass local paths, or convert the dump to Parquet/JSONL first.")
            files = kaggle_files(Path(p))
            if files["tags"] is None:
                q = files["questions"]
                raise InputNotFoundError(q.with_name(q.name.replace("Questions", "Tags")),
                                         fix="put the dump's Tags.csv next to Questions.csv.")
            plans += _kaggle_plans(files, config.encoding, with_answers="answers" in config.fields)
        return SparkSource("kaggle", _html(config, True), config.encoding or sniff_encoding(
            kaggle_files(Path(inputs[0]))["questions"]), plans)
    encoding = config.encoding or "utf-8"
    if fmt == "posts-xml":
        return SparkSource("posts-xml", _html(config, True), encoding,
                           [FilePlan(_posts_xml_path(p), "xml", "text") for p in inputs])
    if fmt == "fasttext":
        plans = []
        for p in inputs:
            plans.append(FilePlan(p, "fasttext", "text"))
            ids = None if is_uri(p) else Path(p).with_suffix(".id")
            if ids is not None and ids.exists() and str(ids) != p:
                plans.append(FilePlan(str(ids), "fasttext-ids", "text", {"of": len(plans) - 1}))
        return SparkSource("fasttext", _html(config, False), encoding, plans, id_from="line", n_inputs=len(inputs))
    if fmt == "posts-csv":
        plans = [_posts_csv_plan(p, encoding) for p in inputs]
        id_from = None if all(pl.columns["id"] for pl in plans) else "record"
        return SparkSource("posts-csv", _html(config, True), encoding, plans, id_from=id_from, n_inputs=len(inputs))
    if len(inputs) == 1 and not is_uri(inputs[0]):
        from ..data.readers.sample_2018 import is_2018_sample

        if is_2018_sample(Path(inputs[0]), config.text_columns):  # its repair needs the whole (small) file
            return SparkSource("table", _html(config, False), encoding, [FilePlan(inputs[0], "driver", "driver")])
    plans = [_table_plan(p, config, encoding) for p in inputs]
    id_from = None if all(pl.columns["id"] for pl in plans) else "question"
    return SparkSource("table", _html(config, False), encoding, plans, id_from=id_from, n_inputs=len(inputs))


def _html(config: PrepareConfig, default: bool) -> bool:
    return default if config.html is None else config.html


def _format_from_suffix(path: str) -> str:
    name = display_name(path).lower()
    if name.endswith(".xml"):
        return "posts-xml"
    if name.endswith((".tsv", ".tab", ".jsonl", ".ndjson", ".json", ".parquet", ".pq", ".csv")):
        return "table"
    raise UnknownFormatError("cannot tell the format of a remote input from its name.", path=path,
                             fix="pass --format kaggle|posts-xml|posts-csv|fasttext|table.")


def _posts_xml_path(path: str) -> str:
    if not is_uri(path) and Path(path).is_dir():
        return str(Path(path) / "Posts.xml")
    return path


def spark_charset(encoding: str) -> str:
    """The name Spark's CSV reader accepts for a Python encoding name (``latin-1`` -> ``iso-8859-1``).

    Example:
        >>> spark_charset("latin-1"), spark_charset("UTF8"), spark_charset("ascii")
        ('iso-8859-1', 'utf-8', 'us-ascii')
    """
    from ..data.readers.base import python_encoding

    name = python_encoding(encoding)
    return {"iso8859-1": "iso-8859-1", "ascii": "us-ascii", "utf-16-be": "utf-16be",
            "utf-16-le": "utf-16le"}.get(name, name)


def _csv_options(encoding: str, sep: str = ",") -> dict:
    return {"header": "true", "multiLine": "true", "escape": '"', "quote": '"', "sep": sep,
            "encoding": spark_charset(encoding),
            "mode": "PERMISSIVE", "columnNameOfCorruptRecord": CORRUPT, "nullValue": None, "emptyValue": ""}


def _header(path: str, encoding: str, sep: str = ",") -> list[str]:
    from ..data.readers.base import read_header

    if is_uri(path):
        return []  # read by Spark (see header_of)
    return read_header(Path(path), encoding, sep)


def _kaggle_plans(files: dict, encoding: str | None, with_answers: bool) -> list[FilePlan]:
    """The triple's files, each decoded with ``encoding`` or, as the embedded reader does, its own sniffed one."""
    from ..data.readers.kaggle import sniff_encoding

    def enc(path) -> str:
        return encoding or sniff_encoding(path)

    q = files["questions"]
    header = _header(str(q), enc(q))
    fix = "Questions.csv needs columns Id, Title and Body (the Kaggle pythonquestions layout)."
    cols = {"id": require_column(q, header, "Id", fix), "title": require_column(q, header, "Title", fix),
            "body": require_column(q, header, "Body", fix), "type": find_column(header, "PostTypeId"),
            "parent": find_column(header, "ParentId")}
    plans = []
    t = files["tags"]
    t_header = _header(str(t), enc(t))
    if files["post_tags"] is not None:
        plans.append(FilePlan(str(t), "kn", "csv", _csv_options(enc(t)), {
            "id": require_column(t, t_header, "Id", "Tags.csv needs the tag Id column."),
            "name": require_column(t, t_header, "TagName", "Tags.csv needs a TagName (or Tag) column.", "Tag")}))
        pt = files["post_tags"]
        pt_header = _header(str(pt), enc(pt))
        plans.append(FilePlan(str(pt), "kr", "csv", _csv_options(enc(pt)), {
            "post": require_column(pt, pt_header, "PostId", "PostTags.csv needs PostId and TagId columns."),
            "tag": require_column(pt, pt_header, "TagId", "PostTags.csv needs PostId and TagId columns.")}))
    else:
        tag_col = find_column(t_header, "Tag", "TagName")
        if tag_col is None:
            raise MissingColumnError(t, "Tag", t_header, "Tags.csv needs columns Id,Tag (one row per question "
                                                         "and tag), or TagName with a PostTags.csv beside it.")
        plans.append(FilePlan(str(t), "kt", "csv", _csv_options(enc(t)), {
            "id": require_column(t, t_header, "Id", "Tags.csv needs columns Id,Tag (one row per question and tag)."),
            "tag": tag_col}))
    plans.append(FilePlan(str(q), "kq", "csv", _csv_options(enc(q)), cols))
    a = files["answers"]
    if with_answers and a is not None:
        a_header = _header(str(a), enc(a))
        fix = "Answers.csv needs columns ParentId and Body (the Kaggle pythonquestions layout)."
        plans.append(FilePlan(str(a), "ka", "csv", _csv_options(enc(a)), {
            "parent": require_column(a, a_header, "ParentId", fix), "body": require_column(a, a_header, "Body", fix),
            "score": find_column(a_header, "Score")}))
    return plans


def _posts_csv_plan(path: str, encoding: str) -> FilePlan:
    header = _header(path, encoding)
    fix = ("a Stack Exchange export needs Title, Body and Tags columns (Data Explorer: "
           "SELECT Id, Title, Body, Tags FROM Posts WHERE PostTypeId = 1); for other tables use --format table.")
    cols = {"title": require_column(path, header, "Title", fix), "body": require_column(path, header, "Body", fix),
            "tags": require_column(path, header, "Tags", fix), "id": find_column(header, "Id"),
            "type": find_column(header, "PostTypeId"), "parent": find_column(header, "ParentId"),
            "score": find_column(header, "Score")}
    return FilePlan(path, "posts-csv", "csv", _csv_options(encoding), cols)


def _table_plan(path: str, config: PrepareConfig, encoding: str) -> FilePlan:
    from ..data.readers.table import table_kind

    kind = table_kind(Path(display_name(path)))
    if kind == "parquet":
        header = _parquet_header(path)
        plan = FilePlan(path, "parquet", "parquet")
    elif kind == "jsonl":
        header = _jsonl_header(path, encoding)
        plan = FilePlan(path, "jsonl", "text")
    else:
        sep = "\t" if kind == "tsv" else ","
        header = _header(path, encoding, sep)
        plan = FilePlan(path, "table-csv", "csv", _csv_options(encoding, sep))
    if header is not None:
        plan.columns = table_columns(path, header, config)
    return plan


def table_columns(path: str, header: list[str], config: PrepareConfig) -> dict:
    """The table reader's own column choice (text, label, id, split columns) for ``header``."""
    source = _table_source(path, config)
    needed = source._columns(Path(path), header)  # the columns a JSON Lines row must have
    return {"text": source._text_cols, "label": source._label_col, "id": source._id_col, "split": source._split_col,
            "header": header, "needed": needed}


def _table_source(path: str, config: PrepareConfig):
    """The embedded TableSource, built without its local existence checks (paths may be URIs)."""
    from ..data.readers.base import ReadStats
    from ..data.readers.table import TableSource

    source = TableSource.__new__(TableSource)
    source.paths, source.config, source.with_answers = [Path(path)], config, False
    source.encoding, source.stats = config.encoding or "utf-8", ReadStats()
    return source


def _parquet_header(path: str) -> list[str] | None:
    if is_uri(path):
        return None
    import pyarrow.parquet as pq

    try:
        return list(pq.ParquetFile(path).schema_arrow.names)
    except Exception as exc:  # pyarrow raises several types for non-Parquet files
        raise MalformedInputError(f"not a Parquet file ({exc}).", path=path,
                                  fix="check the file, or rename it to .csv/.tsv/.jsonl if it is one.") from None


def _jsonl_header(path: str, encoding: str) -> list[str] | None:
    """Columns of the first batch of JSON objects, as the embedded reader sees them."""
    if is_uri(path):
        return None
    keys: dict[str, None] = {}
    rows = 0
    with open(path, "rb") as f:
        for raw in f:
            if not raw.strip():
                continue
            try:
                row = json.loads(raw.decode(encoding))
            except (UnicodeDecodeError, json.JSONDecodeError):
                continue
            if isinstance(row, dict):
                keys.update(dict.fromkeys(str(k) for k in row))
                rows += 1
                if rows >= JSON_HEADER_ROWS:
                    break
    return list(keys)


# ------------------------------------------------------------------------------------------- reading


def read_tally(spark):
    """An accumulator the readers' tasks add their partition's summary to: ``{(file, pid): {"kinds": {kind:
    records}, "malformed": [(local, score, note), ...]}}``.

    For a file read once by a later job and never cached (``prepare`` reads the Kaggle Answers.csv so): its counts
    without a job of their own. Keyed by partition, so a task run twice (a retry, a lost block computed again) is
    counted once.
    """
    from pyspark.accumulators import AccumulatorParam

    class ByPartition(AccumulatorParam):
        def zero(self, value):
            return {}

        def addInPlace(self, a, b):
            a.update(b)
            return a

    return spark.sparkContext.accumulator({}, ByPartition())


def read_parsed(spark, source: SparkSource, config: PrepareConfig, cuts: dict | None = None, *,
                files: list[int] | None = None, tally=None):
    """The files read and parsed: one DataFrame of :data:`PARSED_SCHEMA` rows (not yet computed).

    ``cuts``: per plan index, its :func:`cut_ranges`, when the caller computed them already (``prepare`` does
    while the JVM starts); else they are computed here. ``files``: the plan indices to read (default all).
    ``tally``: an accumulator of :func:`read_tally` that each task adds its partition's summary to (see there).
    """
    from pyspark.sql import functions as F

    indices = range(len(source.plans)) if files is None else files
    if cuts is None:
        cuts = {index: cut_ranges(source.plans[index]) for index in indices}
    frames = []
    for index in indices:
        plan = source.plans[index]
        if plan.reader == "driver":
            frames.append(_read_on_driver(spark, plan, source, config))
            continue
        ranges = cuts[index]
        df = _csv_ranges(spark, plan, ranges) if ranges is not None else _read(spark, plan)
        if plan.columns.get("header") is None and plan.role in ("parquet", "jsonl"):
            plan.columns = table_columns(plan.path, _remote_header(spark, plan, df), config)
        df = df.withColumn("_file", F.lit(index))
        parser = _parser(plan, index, source, config, tally)
        frames.append(df.mapInPandas(parser, PARSED_SCHEMA))
    parsed = frames[0]
    for df in frames[1:]:
        parsed = parsed.unionByName(df)
    return parsed


def _read_on_driver(spark, plan: FilePlan, source: SparkSource, config: PrepareConfig):
    """A small file whose reader needs all of it at once (the 2018 sample): the embedded reader, on the driver."""
    from ..data.readers import open_source

    source = open_source([plan.path], config)
    records = []
    for batch in source.batches():
        q = batch.questions
        if q is None:
            continue
        for i, s, t, b in zip(q["id"].tolist(), q["split"].tolist(), q["tags"].tolist(), q["body"].tolist()):
            n = len(records)
            records.append({"kind": "q", "local": n, "qlocal": n, "id": str(i), "title": "", "body": b,
                            "tags": list(t), "split": None if s is None else str(s)})
    n = len(records)
    records.append({"kind": "p", "local": n, "qlocal": n, "score": 0, "note": display_name(plan.path)})
    frame = pd.DataFrame.from_records(records, columns=PARSED_COLUMNS)
    frame["pid"], frame["file"] = 0, 0
    return spark.createDataFrame(_cleaned(_typed(frame), source.html, config), PARSED_SCHEMA)


def narrowness(role: str) -> int:
    """How many times more rows per byte a CSV file of ``role`` has than a text file: Tags.csv / PostTags.csv
    (~17 bytes a row) 16, else 1. Their ranges are that many times shorter and their frames that many times
    longer, so a task and a frame hold about as many bytes as a text file's (with 8,192-row frames a Tags.csv
    range spent 1.65 s of Python, most of it per-frame pandas work; in one frame 0.75 s).

    Example:
        >>> narrowness("kt"), narrowness("kq")
        (16, 1)
    """
    return 16 if role in ("kt", "kn", "kr") else 1


def cut_ranges(plan: FilePlan) -> list[tuple[int, int]] | None:
    """The byte ranges (one task each, in order) of a local CSV file that :func:`.csv_ranges.record_ranges` can cut;
    None for a file Spark's own reader reads. One pass over the file on the driver (1.6 s for the Kaggle dump's
    2 GB), so ``prepare`` runs it while the JVM starts."""
    from . import csv_ranges

    if plan.reader != "csv" or not splittable(plan.path, plan.options["encoding"]):
        return None
    # Tags.csv / PostTags.csv: ~17 bytes a row, 16x the rows of a text file per byte (the Kaggle Tags.csv, 1.9M
    # rows in 32 MB, was one task of 13 s of Python; in 4 MB ranges, 8 tasks)
    return csv_ranges.record_ranges(plan.path, csv_ranges.RANGE_BYTES // narrowness(plan.role))


def _csv_ranges(spark, plan: FilePlan, ranges: list[tuple[int, int]]):
    """A local CSV file as one row per byte range of :func:`cut_ranges`; the parser reads its range (``plan.reader``
    becomes ``ranges``)."""
    if plan.columns.get("header") is None:
        plan.columns["header"] = _header(plan.path, plan.options["encoding"], plan.options["sep"])
    plan.reader = "ranges"
    rdd = spark.sparkContext.parallelize(ranges, len(ranges))
    return spark.createDataFrame(rdd, "start long, end long")


def _read(spark, plan: FilePlan):
    from pyspark.errors import AnalysisException

    try:
        if plan.reader == "text":
            return spark.read.text(plan.path)
        if plan.reader == "parquet":
            return spark.read.parquet(plan.path)
        header = plan.columns.get("header") or _header(plan.path, plan.options["encoding"], plan.options["sep"])
        if not header:
            header = _csv_header_spark(spark, plan)
        from pyspark.sql.types import StringType, StructField, StructType

        schema = StructType([StructField(c, StringType()) for c in header] + [StructField(CORRUPT, StringType())])
        return spark.read.options(**{k: v for k, v in plan.options.items() if v is not None}).schema(schema).csv(
            plan.path)
    except AnalysisException as exc:
        if "PATH_NOT_FOUND" in str(exc) or "does not exist" in str(exc):
            raise InputNotFoundError(plan.path) from None
        raise MalformedInputError(f"Spark cannot read the file: {str(exc).splitlines()[0][:300]}", path=plan.path,
                                  fix="check the file and --format.") from None


def _csv_header_spark(spark, plan: FilePlan) -> list[str]:
    import csv

    first = spark.read.text(plan.path).limit(1).collect()
    return next(csv.reader([first[0][0]], delimiter=plan.options["sep"]), []) if first else []


def _remote_header(spark, plan: FilePlan, df) -> list[str]:
    if plan.role == "parquet":
        return list(df.columns)
    rows = df.limit(JSON_HEADER_ROWS).collect()
    keys: dict[str, None] = {}
    for (line,) in rows:
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(row, dict):
            keys.update(dict.fromkeys(str(k) for k in row))
    return list(keys)


# ------------------------------------------------------------------------------------------- parsers


def _parser(plan: FilePlan, index: int, source: SparkSource, config: PrepareConfig, tally=None):
    """A ``mapInPandas`` function for one file: batches of its records in, PARSED rows out (and, with ``tally``,
    the partition's summary added to it)."""
    role, cols, name = plan.role, dict(plan.columns), display_name(plan.path)
    html_config = config  # pickled into the task with the closure (a small frozen dataclass)
    html = source.html
    ranged, path, options = plan.reader == "ranges", plan.path, dict(plan.options)
    used = _used_columns(cols) if ranged else None
    frame_rows = ROWS_PER_FRAME * narrowness(role)

    def records(batches):
        """The file's records: Spark's own (one frame per Arrow batch), or read from each byte range."""
        if not ranged:
            yield from batches
            return
        from ..data.readers.base import _describe_decode_error
        from ..errors import EncodingError
        from .csv_ranges import line_at, read_range
        from .task_errors import in_task

        for df in batches:
            for start, end in zip(df["start"].tolist(), df["end"].tolist()):
                try:
                    yield from read_range(path, start, end, cols["header"], encoding=options["encoding"],
                                          delimiter=options["sep"], columns=used, rows_per_frame=frame_rows)
                except UnicodeDecodeError as exc:  # exc.start: in the range
                    in_task(EncodingError(path, options["encoding"], _describe_decode_error(exc),
                                          line=line_at(path, start + exc.start)))

    def parse_batch(df: pd.DataFrame) -> list[dict]:
        if role == "xml":
            return _parse_xml(df["value"].tolist(), html_config.strict)
        if role == "fasttext":
            return _parse_fasttext(df["value"].tolist())
        if role == "fasttext-ids":
            return [{"kind": "i", "local": i, "id": v.strip()} for i, v in enumerate(df["value"].tolist())]
        if role == "jsonl":
            return _parse_jsonl(df["value"].tolist(), plan.path, cols, html_config)
        if role == "parquet":
            return _parse_table(df, plan.path, cols, html_config, [None] * len(df))
        return _parse_csv(role, df, cols, plan.path, html_config)

    def parse(batches):
        from pyspark import TaskContext

        pid = TaskContext.get().partitionId()
        local = 0  # records read in this partition
        qlocal = 0
        xml_rows = 0
        kinds: Counter = Counter()
        malformed: list = []
        for df in records(batches):
            frame = _as_frame(parse_batch(df.reset_index(drop=True)))
            frame["local"] = frame["local"].to_numpy(dtype=np.int64) + local
            if tally is not None:
                kinds.update(frame["kind"].value_counts().to_dict())
                if len(malformed) < MALFORMED_EXAMPLES:
                    bad = frame[frame["kind"] == "m"].head(MALFORMED_EXAMPLES - len(malformed))
                    malformed += [(int(lo), None if pd.isna(sc) else int(sc), note)
                                  for lo, sc, note in zip(bad["local"], bad["score"], bad["note"])]
            is_q = (frame["kind"] == "q").to_numpy()
            n_q = int(is_q.sum())
            frame["qlocal"] = 0
            frame.loc[is_q, "qlocal"] = np.arange(qlocal, qlocal + n_q, dtype=np.int64)
            qlocal += n_q
            xml_rows += int(frame.pop("xml_rows").fillna(0).sum())
            local += len(df)
            if len(frame):
                frame["pid"], frame["file"] = pid, index
                yield _cleaned(_typed(frame), html, html_config)
        if tally is not None:
            tally.add({(index, pid): {"kinds": dict(kinds), "malformed": malformed}})
        yield _typed(pd.DataFrame.from_records([{"kind": "p", "pid": pid, "file": index, "local": local,
                                                 "qlocal": qlocal, "score": xml_rows, "note": name}],
                                               columns=PARSED_COLUMNS))

    return parse


def _used_columns(cols: dict) -> list[str]:
    """The header columns a CSV parser reads (the others are neither decoded nor kept, as embedded).

    Example:
        >>> _used_columns({"header": ["Id", "Title", "Body", "Tags"], "text": ["Title", "Body"], "id": "Id",
        ...                "label": None})
        ['Id', 'Title', 'Body']
    """
    named = set()
    for key, value in cols.items():
        if key != "header" and value:
            named.update([value] if isinstance(value, str) else value)
    return [c for c in cols["header"] if c in named]


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    for c in ("pid", "file"):
        frame[c] = frame[c].astype("int32")
    for c in ("local", "qlocal", "score"):
        frame[c] = pd.to_numeric(frame[c]).fillna(0).astype("int64")
    frame["dkey"] = frame["dkey"].astype("Int64")  # set for questions only (:func:`_cleaned`)
    frame["tags"] = [t if isinstance(t, list) else None for t in frame["tags"].tolist()]
    for c in ("kind", "id", "title", "body", "split", "parent_id", "note"):
        frame[c] = frame[c].astype(object).where(frame[c].notna(), None)
    return frame


def _cleaned(frame: pd.DataFrame, html: bool, config: PrepareConfig) -> pd.DataFrame:
    """``frame`` with its questions' titles and bodies cleaned and their duplicate keys (``dkey``) set."""
    from ..data.prepare import _blank_questions
    from ..data.transforms import clean_questions, question_key_texts, stable_hashes

    is_q = (frame["kind"] == "q").to_numpy()
    if not is_q.any():
        return frame
    q = clean_questions(frame.loc[is_q, ["title", "body"]], html=html, drop_code=config.drop_code)
    keys = pd.array(stable_hashes(question_key_texts(q, config.fields)), dtype="Int64")
    keys[_blank_questions(q, config.fields)] = pd.NA  # blank: counted as empty text, never a duplicate
    frame.loc[is_q, "title"], frame.loc[is_q, "body"], frame.loc[is_q, "dkey"] = q["title"], q["body"], keys
    return frame


def _parse_xml(lines: list[str], strict: bool) -> list[dict]:
    import xml.etree.ElementTree as ET

    from ..data.readers.posts_xml import _int, parse_line
    from ..data.tags import parse_tags

    out = []
    for i, raw in enumerate(lines):
        line = raw.lstrip("\ufeff").strip()
        if not line.startswith("<row"):
            continue
        try:
            rows = parse_line(line)
        except ET.ParseError as exc:
            out.append({"kind": "m", "local": i, "note": f"not a well-formed <row/> element ({exc})", "xml_rows": 0})
            continue
        for row in rows:
            kind = row.get("PostTypeId")
            rec = {"local": i, "xml_rows": 1}
            if kind == "1":
                if not row.get("Id"):
                    rec.update(kind="m", note="question without Id")
                else:
                    rec.update(kind="q", id=row.get("Id"), title=row.get("Title", ""), body=row.get("Body", ""),
                               tags=parse_tags(row.get("Tags", "")))
            elif kind == "2":
                rec.update(kind="a", parent_id=row.get("ParentId", ""), body=row.get("Body", ""),
                           score=_int(row.get("Score")))
            else:
                rec.update(kind="o")
            out.append(rec)
    return out


def _parse_fasttext(lines: list[str]) -> list[dict]:
    from ..data.readers.fasttext import parse_line

    out = []
    for i, line in enumerate(lines):
        parsed = parse_line(line)
        if parsed is not None:
            out.append({"kind": "q", "local": i, "title": "", "body": parsed[0], "tags": parsed[1]})
    return out


def _parse_jsonl(lines: list[str], path: str, cols: dict, config: PrepareConfig) -> list[dict]:
    from ..data.readers.table import missing_key

    out, rows, where = [], [], []
    for i, raw in enumerate(lines):
        if not raw.strip():
            continue
        try:
            row = json.loads(raw)
        except json.JSONDecodeError as exc:
            out.append({"kind": "m", "local": i, "note": f"not valid JSON ({exc.msg})"})
            continue
        if not isinstance(row, dict):
            out.append({"kind": "m", "local": i, "note": "expected a JSON object per line"})
            continue
        note = missing_key(row, cols["needed"])
        if note:  # as embedded: a row without a column the first lines named is malformed
            out.append({"kind": "m", "local": i, "note": note})
            continue
        rows.append(row)
        where.append(i)
    if rows:
        frame = pd.DataFrame(rows)
        for c in cols["header"]:
            if c not in frame.columns:
                frame[c] = None
        out += _parse_table(frame, path, cols, config, where)
    return sorted(out, key=lambda r: r["local"])


def _parse_table(df: pd.DataFrame, path: str, cols: dict, config: PrepareConfig, where: list) -> list[dict]:
    """The embedded table reader's own frame logic (ids, joined text columns, tags, split) on one batch."""
    source = _table_source(path, config)
    source._text_cols, source._label_col, source._id_col, source._split_col = (
        cols["text"], cols["label"], cols["id"], cols["split"])
    batch = next(iter(source._frames(Path(path), [(df, 0)], cols["header"])))
    q = batch.questions
    ids = q["id"].tolist() if cols["id"] else [None] * len(q)
    return [{"kind": "q", "local": w if w is not None else i, "id": ids[i], "title": "", "body": b, "tags": list(t),
             "split": None if s is None else str(s)}
            for i, (w, b, t, s) in enumerate(zip(where, q["body"].tolist(), q["tags"].tolist(), q["split"].tolist()))]


def _parse_csv(role: str, df: pd.DataFrame, cols: dict, path: str, config: PrepareConfig):
    """One batch of CSV records: column by column (vectorized), the embedded readers' rules per role.

    Returns a frame of the records in batch order (the partition loop adds the other PARSED columns).
    """
    from ..data.readers.kaggle import _scores
    from ..data.tags import parse_tags
    from .csv_ranges import BAD_OFFSET, BAD_WHY

    pieces = []
    if BAD_WHY in df.columns:  # read from a byte range: why, and where the row starts (the driver finds its line)
        bad = df[BAD_WHY].notna().to_numpy()
        where = bad.nonzero()[0]
        pieces.append(_records("m", where, note=df[BAD_WHY].to_numpy(dtype=object)[where],
                               score=df[BAD_OFFSET].to_numpy(dtype=object)[where]))
    else:
        bad = df[CORRUPT].notna().to_numpy() if CORRUPT in df.columns else np.zeros(len(df), dtype=bool)
        pieces.append(_records("m", bad.nonzero()[0], note="wrong number of fields (Spark's CSV parser)"))
    local = (~bad).nonzero()[0]
    df = df.iloc[local].fillna("").reset_index(drop=True)

    def col(name, mask=None):
        values = df[name].to_numpy(dtype=object)
        return values if mask is None else values[mask]

    def add(kind, mask=None, **columns):
        pieces.append(_records(kind, local if mask is None else local[mask], **columns))

    if role == "table-csv":
        pieces.append(pd.DataFrame.from_records(_parse_table(df, path, cols, config, local.tolist())))
    elif role == "kt":
        keep = (df[cols["tag"]] != "").to_numpy()
        ids, tags, where = col(cols["id"], keep), [t.strip().lower() for t in col(cols["tag"], keep)], local[keep]
        # a record per run of one question's rows (Tags.csv lists them together): 3x fewer rows than tags
        starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]]) if len(ids) else np.zeros(0, dtype=np.int64)
        ends = np.r_[starts[1:], len(ids)]
        pieces.append(_records("t", where[starts], id=ids[starts], tags=[tags[a:b] for a, b in zip(starts, ends)]))
    elif role == "kn":
        add("n", id=col(cols["id"]), note=col(cols["name"]))
    elif role == "kr":
        add("r", id=col(cols["post"]), parent_id=col(cols["tag"]))
    elif role == "ka":
        scores = _scores(df[cols["score"]]) if cols["score"] else 0
        add("a", parent_id=col(cols["parent"]), body=col(cols["body"]), score=scores)
    elif role in ("kq", "posts-csv"):
        kind = df[cols["type"]].to_numpy() if cols["type"] else np.full(len(df), "1", dtype=object)
        q, a = kind == "1", kind == "2"
        if role == "kq":
            add("q", q, id=col(cols["id"], q), title=col(cols["title"], q), body=col(cols["body"], q))
            if cols["parent"]:
                add("a", a, parent_id=col(cols["parent"], a), body=col(cols["body"], a), score=0)
        else:
            add("q", q, id=col(cols["id"], q) if cols["id"] else None, title=col(cols["title"], q),
                body=col(cols["body"], q), tags=[parse_tags(t) for t in col(cols["tags"], q)])
            if a.any():
                scores = [int(s) if s.lstrip("-").isdigit() else 0 for s in map(str, col(cols["score"], a))] \
                    if cols["score"] else 0
                add("a", a, parent_id=col(cols["parent"], a) if cols["parent"] else None, body=col(cols["body"], a),
                    score=scores)
        add("o", ~(q | a))
    pieces = [piece for piece in pieces if len(piece)]
    if not pieces:
        return pd.DataFrame()
    frame = pd.concat(pieces, ignore_index=True)
    return frame.iloc[np.argsort(frame["local"].to_numpy(), kind="stable")]


def _records(kind: str, where: np.ndarray, **columns) -> pd.DataFrame:
    """Records of one ``kind`` at batch indices ``where``; a column's value is a sequence (one per record) or
    one value for all."""
    n = len(where)
    data = {"kind": np.full(n, kind, dtype=object), "local": np.asarray(where, dtype=np.int64)}
    for name, value in columns.items():
        data[name] = value if isinstance(value, (list, np.ndarray)) else np.full(n, value, dtype=object)
    return pd.DataFrame(data)


def _as_frame(parsed) -> pd.DataFrame:
    """A parser's output (a frame, or one dict per record) with every PARSED column, plus ``xml_rows``."""
    frame = parsed if isinstance(parsed, pd.DataFrame) else pd.DataFrame.from_records(parsed)
    return frame.reset_index(drop=True).reindex(columns=PARSED_COLUMNS + ["xml_rows"])
