"""``prepare --engine spark``: the embedded ``prepare`` stage on Apache Spark, writing the same dataset directory.

The flow (each Python step an embedded pure batch function run through ``mapInPandas``):

1. read and parse every file (:mod:`.readers`), cleaning the questions' titles and bodies as they are parsed
   (``transforms.clean_questions``); count questions, answers, other posts, malformed rows; number questions
   in source order from each partition's counts (``row``, as the embedded engine does). A Kaggle Answers.csv
   is the exception: it is read by step 3's join itself (never cached) and counted by the tasks that read it;
2. drop identical questions (a window over the hash of ``transforms.question_key_texts``, the first in source
   order stays); count tags (a group-by) and choose them (``tags.select_tags``);
3. join answers to their question by ``ParentId`` (a shuffle; best score first, then source order;
   ``--max-answers``), clean those answers (``transforms.clean_answers``), build texts
   (``transforms.build_texts``), restrict tags (``tags.filter_tags``), drop rows left empty or untagged;
4. split by a hash of the id with the seed, then repair the rare tags (:mod:`.split`);
5. Spark writes each split as one Parquet file (all of it in one task, sorted by row) into a temporary sibling
   of ``--out``; the driver moves them to ``train/validation/test.parquet`` (the embedded layout and columns),
   writes ``labels.json`` and ``manifest.json``, and renames the directory into place only when everything
   succeeded.

``--out`` must be a local path of the driver (in local mode, or a mount every executor also sees).

Example (starting Spark takes 15-35 s, so this is not run as a doctest; ``tests/spark`` runs it)::

    from multilabeltext.config import PrepareConfig
    prepare_spark(["../shared/datasets/stackexchange-samples/beer_se_AaronNie_Posts.xml"],
                  "/tmp/beer-spark", PrepareConfig(top_n=5), force=True)
"""

from __future__ import annotations

import shutil
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from ..config import SPLITS, PrepareConfig
from ..errors import ConfigError, EmptyDatasetError, MalformedInputError, MultilabeltextError
from ..jsonfile import write_json
from ..outputs import atomic_directory, check_replaceable
from ..progress import status
from ..safefiles import sha256_file
from .readers import (
    MALFORMED_EXAMPLES,
    SparkSource,
    cut_ranges,
    display_name,
    is_uri,
    plan_source,
    read_parsed,
    read_tally,
)

# a join side keyed by question (the Kaggle tags, the answers' parents) is broadcast up to this many questions
# (~100 MB on the executors; Spark's own broadcast threshold cannot see these sides' sizes in time)
BROADCAST_MAX_QUESTIONS = 1_000_000
WRITE_ROW_GROUP_BYTES = 32 << 20  # Parquet row groups of the split files (streaming readers decode one at a time)
# the hash split's histogram: 4,096 buckets of the 63-bit keys (a cut is found among one bucket's rows: ~50 at
# the Kaggle dump's 200k kept rows, ~6,000 at 24M)
HIST_SHIFT = 63 - 12


def prepare_spark(inputs: list[str | Path], out: str | Path, config: PrepareConfig | None = None, *,
                  force: bool = False, master: str | None = None, spark_conf: dict[str, str] | None = None):
    """Like :func:`multilabeltext.data.prepare.prepare`, on Spark; returns the same ``PrepareResult``."""

    config = config or PrepareConfig()
    if not inputs:
        raise ConfigError("no input file given.", fix="pass the dump's file(s), e.g. Questions.csv or Posts.xml.")
    if is_uri(str(out)):
        raise ConfigError("--out must be a local directory (the dataset directory every command reads).",
                          path=str(out), fix="write to a local path or a mounted shared filesystem.")
    from ..outputs import claim_output

    with claim_output(out, inputs=[p for p in inputs if not is_uri(str(p))]):  # one run per output, as embedded
        check_replaceable(out, force=force)
        return _prepare_spark(inputs, out, config, force, master, spark_conf)


def _prepare_spark(inputs, out, config: PrepareConfig, force: bool, master, spark_conf):
    from ..data import dataset as ds
    from ..data.prepare import PrepareResult
    from .session import get_session

    source = plan_source([str(p) for p in inputs], config)  # missing files/columns: before Spark starts
    if config.split == "column" and source.format_name != "table":
        raise ConfigError(f"--split column needs a table input with a split column; {source.format_name} "
                          "sources carry no split.", fix="use --split iterative.")
    with atomic_directory(out, force=force) as tmp, ThreadPoolExecutor(2) as pool:
        # the inputs' SHA-256 while Spark works, as the embedded engine does (2 GB: ~2 s the driver would wait),
        # and the CSV files' byte ranges while the JVM starts (1.6 s at scale 1, before any task could run)
        cuts = {index: pool.submit(cut_ranges, plan) for index, plan in enumerate(source.plans)}  # needed first
        source_hashes = {plan.path: pool.submit(sha256_file, plan.path) for plan in source.plans
                         if not is_uri(plan.path)}
        status("Starting Spark")
        spark = get_session(master, spark_conf)
        try:
            manifest_parts = _run(spark, source, config, tmp, cuts)
        except MultilabeltextError:
            raise
        except Exception as exc:  # a failed job (or bad bytes a task found): short, no JVM stack trace
            from .task_errors import job_failure

            raise job_failure(exc, fix="rerun with the embedded engine to see whether the input is at fault, "
                                       "or check the executors' logs.") from None
        counts, label_table, kept_labels, files = manifest_parts
        if config.tutorial_artifacts:
            from ..data.prepare import _write_tutorial_artifacts

            _write_tutorial_artifacts(tmp, kept_labels, config, jobs=1)
        write_json(tmp / ds.LABELS, kept_labels)
        manifest = _manifest(source, config, counts, label_table, files, tmp, kept_labels, spark, source_hashes)
        write_json(tmp / ds.MANIFEST, manifest)
        shutil.rmtree(tmp / "_spark", ignore_errors=True)
    return PrepareResult(out=Path(out), manifest=manifest, counts=manifest["counts"], labels=kept_labels)


def _run(spark, source: SparkSource, config: PrepareConfig, tmp: Path, cuts: dict | None = None):
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    counts: Counter = Counter()
    ranges = {index: cut.result() for index, cut in cuts.items()} if cuts is not None else None
    # the Kaggle Answers.csv is read by the answers' join itself, never cached: the disk cache of the parsed
    # records, scanned four times, then holds 0.4 GB instead of 1.2 GB at scale 1 (about 8 s less of the JVM's CPU);
    # the answers' counts and malformed rows come from the tasks that read them (``tally``)
    late_files = _late_files(source, config)
    early_files = [i for i in range(len(source.plans)) if i not in late_files]
    parsed = read_parsed(spark, source, config, ranges, files=early_files).persist(StorageLevel.DISK_ONLY)
    tally = read_tally(spark) if late_files else None
    late = read_parsed(spark, source, config, ranges, files=late_files, tally=tally) if late_files else None
    try:
        status(f"Reading {source.format_name} on Spark ({spark.sparkContext.defaultParallelism} cores)")
        # one job: a count per kind, and the partitions' summary rows (kind "p", one per partition) as they are
        is_p = F.col("kind") == "p"
        # numbers only (max: one row per group that is read), so Spark aggregates by hashing: a string (first of
        # the note) made it sort the 3.5M records of the Kaggle dump first
        summary = parsed.groupBy("kind", F.when(is_p, F.col("pid")).alias("_pid")).agg(
            F.count("*").alias("count"), *[F.max(c).alias(c) for c in ("pid", "file", "local", "qlocal", "score")]
        ).collect()
        parts = sorted((r for r in summary if r["kind"] == "p"), key=lambda r: r["pid"])
        by_kind = {r["kind"]: r["count"] for r in summary if r["kind"] != "p"}
        offsets = _offsets(parts)
        _check_read(source, config, parsed, by_kind, parts, offsets, counts)
        broadcast = by_kind.get("q", 0) <= BROADCAST_MAX_QUESTIONS
        questions, answers = _questions_answers(spark, parsed, source, config, offsets, broadcast, late)
        return _rest(spark, source, config, questions, answers, counts, tmp, len(parts), broadcast, tally)
    finally:
        parsed.unpersist()


def _joins_answers(config: PrepareConfig) -> bool:
    """Whether the answers reach the texts (``answers`` in ``--fields``, ``--max-answers`` not 0)."""
    return "answers" in config.fields and config.max_answers != 0


def _late_files(source: SparkSource, config: PrepareConfig) -> list[int]:
    """The plans read only when the answers are joined (a Kaggle Answers.csv, when answers are used)."""
    if not _joins_answers(config):
        return []
    return [i for i, plan in enumerate(source.plans) if plan.role == "ka"]


def _small_side(frame, broadcast: bool):
    """``frame``, a join side that grows with the questions (their tags, their ids), broadcast when ``broadcast``.

    Broadcast, the other side (question or answer texts) is joined where it was read instead of being shuffled:
    at scale 1 the questions' raw bodies (366 MB) and the answers (780 MB). Adaptive execution cannot decide
    this by itself: it plans both sides' shuffles at once and only turns the join into a broadcast once both
    are written. ``broadcast`` is decided from the question count (:data:`BROADCAST_MAX_QUESTIONS`), so a
    broadcast side stays under ~100 MB at any input size: past it (a cluster's full dump) the join is a
    sort-merge one, and the peak memory does not grow with the input.
    """
    from pyspark.sql import functions as F

    return F.broadcast(frame) if broadcast else frame


def _offsets(parts) -> dict:
    """Per partition: questions before it (global row), and records/questions before it within its file."""
    row, per_file = 0, {}
    out = {"row": {}, "file_local": {}, "file_q": {}}
    for p in parts:
        file_local, file_q = per_file.get(p["file"], (0, 0))
        out["row"][p["pid"]] = row
        out["file_local"][p["pid"]] = file_local
        out["file_q"][p["pid"]] = file_q
        row += p["qlocal"]
        per_file[p["file"]] = (file_local + p["local"], file_q + p["qlocal"])
    return out


def _lookup(mapping: dict, column: str):
    """A column expression: ``mapping[column]`` for a small dict of ints (partition offsets)."""
    from pyspark.sql import functions as F

    if not mapping:
        return F.lit(0).cast("long")
    pairs = [x for k, v in sorted(mapping.items()) for x in (F.lit(int(k)), F.lit(int(v)).cast("long"))]
    return F.element_at(F.create_map(*pairs), F.col(column))


def _check_read(source, config, parsed, by_kind, parts, offsets, counts) -> None:
    from pyspark.sql import functions as F

    counts.update(questions_read=by_kind.get("q", 0), answers_read=by_kind.get("a", 0),
                  other_posts=by_kind.get("o", 0), malformed=by_kind.get("m", 0))
    examples = []
    if by_kind.get("m"):
        rows = parsed.filter(F.col("kind") == "m").orderBy("pid", "local").limit(MALFORMED_EXAMPLES).collect()
        examples = [_malformed_example(source, offsets, r["file"], r["pid"], r["local"], r["score"], r["note"])
                    for r in rows]
    counts["malformed_examples"] = [e[2] for e in examples]
    if config.strict and examples:
        _stop_strict(examples[0])
    for index, plan in enumerate(source.plans):
        mine = [p for p in parts if p["file"] == index]
        if plan.role == "xml" and not sum(p["score"] for p in mine):
            raise MalformedInputError("no <row .../> elements found: this is not a Stack Exchange Posts.xml dump.",
                                      path=plan.path, fix="pass the dump's Posts.xml, or choose another --format.")
    if source.format_name == "fasttext":
        from ..data.readers.fasttext import PREFIX

        labelled = parsed.filter((F.col("kind") == "q") & (F.size("tags") > 0)).select("file").distinct().collect()
        done = {r["file"] for r in labelled}
        for index, plan in enumerate(source.plans):
            if plan.role == "fasttext" and index not in done and any(
                    p["qlocal"] for p in parts if p["file"] == index):
                raise MalformedInputError(f"no line has a {PREFIX} label: this is not a fastText supervised file.",
                                          path=plan.path,
                                          fix="choose another --format (e.g. table) or add __label__ tags.")
    if counts["questions_read"] == 0:
        raise EmptyDatasetError("no questions found in the input.", path=source.plans[0].path,
                                fix="check the file and --format (Posts files need PostTypeId=1 rows).")


def _malformed_example(source: SparkSource, offsets, file: int, pid: int, local: int, score, note: str):
    """``(path, line, "name:line: why")`` for a malformed record (no line where the reader cannot tell it)."""
    plan = source.plans[file]
    line = None
    if plan.reader == "text":
        line = offsets["file_local"][pid] + local + 1
    elif plan.reader == "ranges" and score is not None:  # a CSV range's row: where it starts
        from .csv_ranges import line_at

        line = line_at(plan.path, score)
    where = f"{display_name(plan.path)}:{line}" if line else display_name(plan.path)
    return plan.path, line, f"{where}: {note}"


def _stop_strict(example) -> None:
    path, line, text = example
    raise MalformedInputError(f"malformed row: {text.split(': ', 1)[1]}", path=path, line=line,
                              fix="repair the row, or leave out --strict to skip such rows with a count.")


def _count_late(source: SparkSource, config: PrepareConfig, tally: dict, counts: Counter) -> None:
    """The late files' records (:func:`_late_files`), counted by the tasks that read them, into ``counts``; their
    malformed examples after the others' (those files come last), and ``--strict`` stops at the first."""
    kinds: Counter = Counter()
    examples = []
    for (file, pid), part in sorted(tally.items()):
        kinds.update(part["kinds"])
        examples += [_malformed_example(source, None, file, pid, *m) for m in part["malformed"]]
    counts.update(answers_read=kinds.get("a", 0), other_posts=kinds.get("o", 0), malformed=kinds.get("m", 0))
    room = MALFORMED_EXAMPLES - len(counts["malformed_examples"])
    counts["malformed_examples"] = counts["malformed_examples"] + [e[2] for e in examples[:max(room, 0)]]
    if config.strict and examples:
        _stop_strict(examples[0])


def _questions_answers(spark, parsed, source: SparkSource, config: PrepareConfig, offsets, broadcast: bool,
                       late=None):
    """Questions (id, title, body, tags, split, row) and answers (parent_id, body, score, pid, local); the
    answers from ``late`` (the late files' records) when given."""
    from pyspark.sql import functions as F

    q = parsed.filter(F.col("kind") == "q").withColumn("row", _lookup(offsets["row"], "pid") + F.col("qlocal"))
    if source.id_from is not None:
        local = "qlocal" if source.id_from == "question" else "local"
        base = "file_q" if source.id_from == "question" else "file_local"
        number = (_lookup(offsets[base], "pid") + F.col(local) + 1).cast("string")
        names = F.element_at(F.create_map(*[x for i, p in enumerate(source.plans)
                                            for x in (F.lit(i), F.lit(display_name(p.path)))]), F.col("file"))
        fallback = F.concat(names, F.lit(":"), number) if source.n_inputs > 1 else number
        if source.format_name == "fasttext":
            q = _fasttext_ids(parsed, source, q, offsets, fallback)
        else:
            q = q.withColumn("id", F.coalesce(F.col("id"), fallback))
    if source.format_name == "kaggle":
        q = _kaggle_tags(parsed, q, broadcast, post_tags=any(p.role == "kr" for p in source.plans))
    q = q.select("id", "title", "body", "tags", "split", "row", "dkey")
    answers = None
    if _joins_answers(config):
        answers = (parsed if late is None else late).filter((F.col("kind") == "a") & F.col("parent_id").isNotNull()) \
            .select("parent_id", "body", "score", "pid", "local")
    return q, answers


def _fasttext_ids(parsed, source, q, offsets, fallback):
    """Ids from the ``.id`` file beside a fastText file, line for line; line numbers where there is none."""
    from pyspark.sql import functions as F

    line = _lookup(offsets["file_local"], "pid") + F.col("local")
    text_file = {i: p.options["of"] for i, p in enumerate(source.plans) if p.role == "fasttext-ids"}
    q = q.withColumn("_line", line)
    if not text_file:
        return q.withColumn("id", fallback).drop("_line")
    ids = parsed.filter(F.col("kind") == "i").select(
        _lookup(text_file, "file").cast("int").alias("_of"), line.alias("_idline"), F.col("id").alias("_ext"))
    q = q.join(ids, (q["file"] == ids["_of"]) & (q["_line"] == ids["_idline"]), "left")
    ext = F.when(F.col("_ext") != "", F.col("_ext"))
    return q.withColumn("id", F.coalesce(ext, fallback)).drop("_line", "_of", "_idline", "_ext")


def _kaggle_tags(parsed, q, broadcast: bool, post_tags: bool):
    """Tags.csv (or, with ``post_tags``, Tags.csv + PostTags.csv) rows grouped per question, in file order (a join
    by Id). Only the layout given is planned: each branch is one more scan of the parsed records."""
    from pyspark.sql import functions as F

    if post_tags:
        names = parsed.filter(F.col("kind") == "n").select(F.col("id").alias("tag_id"), F.col("note").alias("name"))
        links = parsed.filter(F.col("kind") == "r").select("id", "pid", "local", F.col("parent_id").alias("tag_id"))
        t = links.join(names.dropDuplicates(["tag_id"]), "tag_id").select("id", "pid", "local",
                                                                          F.array(F.lower("name")).alias("tags"))
    else:
        t = parsed.filter(F.col("kind") == "t").select("id", "pid", "local", "tags")
    tags = t.groupBy("id").agg(F.flatten(F.transform(F.array_sort(F.collect_list(F.struct("pid", "local", "tags"))),
                                                     lambda s: s["tags"])).alias("_tags"))
    q = q.drop("tags").join(_small_side(tags, broadcast), "id", "left")
    return q.withColumn("tags", F.coalesce(F.col("_tags"), F.array().cast("array<string>"))).drop("_tags")


def _rest(spark, source: SparkSource, config: PrepareConfig, questions, answers, counts: Counter, tmp: Path,
          read_partitions: int, broadcast: bool, tally=None):
    """De-duplicate, count and choose the tags, join the answers, build the texts, split, write; every frame
    persisted on the way is released at the end, whether it succeeded or not. ``tally``: the late files'
    accumulator (:func:`_late_files`), complete once the answers are joined."""
    held: list = []
    try:
        return _rest_held(spark, source, config, questions, answers, counts, tmp, read_partitions, broadcast, held,
                          tally)
    finally:
        for frame in held:
            frame.unpersist()


def _rest_held(spark, source: SparkSource, config: PrepareConfig, questions, answers, counts: Counter, tmp: Path,
               read_partitions: int, broadcast: bool, held: list, tally=None):
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    from ..data.tags import select_tags

    cores = spark.sparkContext.defaultParallelism
    html, drop_code, fields = source.html, config.drop_code, tuple(config.fields)

    if config.split == "column":
        questions = _split_names(questions, source, config)
    q = questions.persist(StorageLevel.DISK_ONLY)  # cleaned as they were read (``readers._cleaned``)
    held.append(q)
    q, flags = _dedupe(q, config)
    if flags is not None:
        held.append(flags)
    status("De-duplicating, counting tags")  # the questions were cleaned as they were read
    # one job for the duplicates, the leaks and the tag counts: each question counts once with a null tag
    # (in its group: duplicate or not, leak or not), then once per tag if it is no duplicate
    if "_leak" not in q.columns:
        q = q.withColumn("_leak", F.lit(False))
    first = F.col("_n") == 1
    per_row = F.array(F.lit(None).cast("string"))
    tagged = q.select((~first).alias("dup"), (first & F.col("_leak")).alias("leak"), F.explode(
        F.concat(per_row, F.when(first, F.col("tags")).otherwise(F.array().cast("array<string>")))).alias("tag"))
    groups = tagged.groupBy("dup", "leak", "tag").count().collect()
    counts["duplicates"] = sum(r["count"] for r in groups if r["tag"] is None and r["dup"])
    n_first = sum(r["count"] for r in groups if r["tag"] is None and not r["dup"])
    leaks = sum(r["count"] for r in groups if r["tag"] is None and r["leak"])
    if config.split == "column" and leaks:  # dropped before the texts are built
        counts["duplicates_of_a_later_split"] = leaks
    tag_counts = Counter()
    for r in groups:
        if r["tag"] is not None:
            tag_counts[r["tag"]] += r["count"]
    tag_counts = dict(tag_counts)
    q = q.filter(first).withColumn("_blank", F.col("dkey").isNull()).drop("_n", "dkey")
    kept_labels = select_tags(tag_counts, top_n=config.top_n, exclude=config.exclude_tags,
                              min_count=config.min_tag_count) if tag_counts else []
    if not kept_labels:
        raise EmptyDatasetError(
            f"no tags to learn: the {counts['questions_read']} question(s) read carry no tags"
            + (" that qualify" if tag_counts else "") + ".", path=source.plans[0].path,
            fix="check the label column (--label-column) or lower --min-tag-count / shorten --exclude-tag.")
    # only a question with a kept tag (or none of its own text: its answers decide "empty text" or "no kept tag")
    # gets its answers and a text; the others have text and no kept tag: counted, never built
    q = q.withColumn("_wanted", (F.arrays_overlap("tags", F.array(*[F.lit(t) for t in kept_labels]))
                                 | F.col("_blank")) & ~F.col("_leak"))
    joined = _join_answers(q, answers, config, html, drop_code, cores, read_partitions, broadcast).drop(
        "_blank", "_leak", "_wanted")
    keep, seed = frozenset(kept_labels), config.seed

    def build(batches):
        import pandas as pd

        from ..data.tags import filter_tags
        from ..data.transforms import build_texts
        from .split import hash_keys

        for df in batches:
            orphans = df["_orphan"].to_numpy()
            if orphans.any():  # answers without a question: counted (``nans``), never built
                o = df[orphans]
                yield pd.DataFrame({"id": o["id"], "text": "", "tags": [[] for _ in range(len(o))], "split": None,
                                    "row": pd.array([None] * len(o), dtype="Int64"), "drop": "orphan",
                                    "nans": o["_nans"].fillna(0).astype("int64"), "_h": 0})
                df = df[~orphans]
            df = df.drop(columns=["_orphan"])
            has = df["_answers"].notna()
            a = pd.DataFrame({"parent_id": df["id"][has], "body": df["_answers"][has], "score": 0})
            df = build_texts(df.drop(columns=["_answers"]), a if len(a) else None, fields=fields, max_answers=None)
            df["nans"] = df["_nans"].fillna(0).astype("int64")
            df["tags"] = filter_tags(df["tags"], keep)
            df["drop"] = ""
            df.loc[[len(t) == 0 for t in df["tags"]], "drop"] = "no_kept_tag"
            df.loc[(df["text"] == "").to_numpy(), "drop"] = "empty_text"
            df["_h"] = hash_keys(df["id"].tolist(), seed)  # the split's key, here rather than in a stage of its own
            yield df[["id", "text", "tags", "split", "row", "drop", "nans", "_h"]]

    rows = joined.mapInPandas(build, "id string, text string, tags array<string>, split string, row long, "
                                     "drop string, nans long, _h long").persist(StorageLevel.DISK_ONLY)
    held.append(rows)
    status("Joining answers, building texts, filtering tags")
    cap = F.lit(config.max_answers if config.max_answers is not None else 2 ** 62)
    # the same job takes the histogram of the kept rows' split keys that the hash split cuts at (a scan less)
    bucket = F.when(F.col("drop") == "", F.shiftright("_h", HIST_SHIFT)) if config.split == "iterative" \
        else F.lit(None).cast("long")
    groups = rows.groupBy("drop", bucket.alias("_b")).agg(
        F.count("*").alias("count"), F.sum(F.least("nans", cap)).alias("nans"), F.sum("nans").alias("all_nans"),
    ).collect()
    by_drop = _sum_by_drop(groups)
    if tally is not None:  # the answers were read by the job just run
        _count_late(source, config, tally.value, counts)
    hist = sorted((r["_b"], r["count"]) for r in groups if r["drop"] == "" and r["_b"] is not None)
    dropped = {r["drop"]: r["count"] for r in by_drop if r["drop"] != "orphan"}
    if any(r["all_nans"] for r in by_drop):  # some answer was joined or orphaned (the embedded engine: both)
        # the answers of the questions kept only (as the embedded engine counts), and those of no question
        counts["answers_joined"] = int(sum(r["nans"] or 0 for r in by_drop if r["drop"] == ""))
        counts["answers_orphaned"] = int(sum(r["all_nans"] or 0 for r in by_drop if r["drop"] == "orphan"))
    counts["empty_text"] = dropped.get("empty_text", 0)
    # the questions neither wanted nor leaked: the rest of the first copies (every wanted one is a row here)
    counts["no_kept_tag"] = dropped.get("no_kept_tag", 0) + n_first - leaks - sum(dropped.values())
    counts["kept"] = dropped.get("", 0)
    if counts["kept"] == 0:
        raise EmptyDatasetError(
            f"no rows left: {counts['empty_text']} had no text after cleaning, {counts['no_kept_tag']} had none "
            f"of the {len(kept_labels)} kept tags, {counts['duplicates']} were duplicates.",
            path=source.plans[0].path,
            fix="check the text column(s) and --fields (empty texts), --top-n, --exclude-tag, --min-tag-count.")
    kept = rows.filter(F.col("drop") == "").drop("drop", "nans")
    kept, label_table = _split(spark, kept, config, kept_labels, source, counts, hist)
    files = _write(kept, tmp)
    return counts, label_table, kept_labels, files


def _sum_by_drop(groups) -> list[dict]:
    """The ``(drop, bucket)`` groups' counts summed per ``drop`` (``count``, ``nans``, ``all_nans``)."""
    out: dict = {}
    for r in groups:
        total = out.setdefault(r["drop"], {"drop": r["drop"], "count": 0, "nans": None, "all_nans": None})
        total["count"] += r["count"]
        for key in ("nans", "all_nans"):
            if r[key] is not None:
                total[key] = (total[key] or 0) + r[key]
    return list(out.values())


def _spread(frame, cores: int, partitions: int):
    """``frame`` over at least ``cores`` tasks: a shuffle only when the input was read in fewer ``partitions``.

    ``partitions`` is what the frame has unless a sort-merge join shuffled it, and adaptive execution leaves no
    fewer than the default parallelism (or ``coalescePartitions.minPartitionNum``) after a shuffle. Asking the
    frame itself (``frame.rdd.getNumPartitions()``) would run its shuffles in a plan of their own, and the
    query that uses the frame then ran them again: at scale 1, the questions' and the answers' shuffles
    (1.2 GB) twice.
    """
    return frame if partitions >= cores else frame.repartition(cores)


def _join_answers(q, answers, config: PrepareConfig, html: bool, drop_code: bool, cores: int,
                  read_partitions: int, broadcast: bool):
    """The ``_wanted`` questions with ``_answers`` (their answers' cleaned bodies, best score first, joined by
    spaces) and ``_nans`` (how many), plus one ``_orphan`` row per parent id that has answers and no question.

    Only the answers that can reach a text are cleaned: those of a ``_wanted`` question, and the orphans
    (counted after cleaning, as embedded). With the top 10 tags of the Kaggle dump that skips two in three.
    Questions and answers meet in one group-by of both (one shuffle); the orphans' rows carry their count
    (``_nans``) to the counting job that follows, so nothing here runs a job of its own.
    """
    from pyspark.sql import functions as F

    if answers is None:
        return q.filter(F.col("_wanted")).withColumn("_answers", F.lit(None).cast("string")) \
            .withColumn("_nans", F.lit(None).cast("long")).withColumn("_orphan", F.lit(False))

    def clean_a(batches):
        from ..data.transforms import clean_answers

        for df in batches:
            yield clean_answers(df, html=html, drop_code=drop_code)

    parents = q.select(F.col("id").alias("parent_id"), "_wanted").groupBy("parent_id") \
        .agg(F.max("_wanted").alias("_wanted"))
    a = answers.join(_small_side(parents, broadcast), "parent_id", "left") \
        .filter(F.col("_wanted").isNull() | F.col("_wanted")).drop("_wanted")
    # a sort-merge join leaves at least one partition per core; a broadcast join (small parents) those read
    a = _spread(a, cores, read_partitions).mapInPandas(
        clean_a, "parent_id string, body string, score long, pid int, local long")
    # one shuffle for both: the wanted questions and those answers, grouped by id (a group of answers without a
    # question is the orphans of one parent: one row of its own, ``_orphan``, counted with the dropped rows)
    wanted = q.filter(F.col("_wanted"))
    fields_q = [c for c in wanted.columns if c != "id"]
    question = F.struct(*fields_q)
    answer = F.struct((-F.col("score")).alias("s"), "pid", "local", "body")  # sorts best score, then source order
    a = a.withColumnRenamed("parent_id", "id")

    def null_of(frame, struct):  # a null of ``struct``'s type, for the other side of the union
        return F.lit(None).cast(frame.select(struct).schema[0].dataType)

    both = wanted.select("id", question.alias("_q"), null_of(a, answer).alias("_a")).unionByName(
        a.select("id", null_of(wanted, question).alias("_q"), answer.alias("_a")))
    groups = both.groupBy("id").agg(F.collect_list("_q").alias("_qs"),
                                    F.array_sort(F.collect_list("_a")).alias("_as"))
    chosen = F.col("_as") if config.max_answers is None else F.slice("_as", 1, config.max_answers)
    some = F.size("_as") > 0
    return groups.select(
        "id", F.explode_outer("_qs").alias("_q"),
        F.when(some, F.array_join(F.transform(chosen, lambda x: x["body"]), " ")).alias("_answers"),
        F.when(some, F.size("_as").cast("long")).alias("_nans"),
    ).select("id", *[F.col("_q")[c].alias(c) for c in fields_q], "_answers", "_nans",
             F.col("_q").isNull().alias("_orphan"))


def _split_names(questions, source: SparkSource, config: PrepareConfig):
    """``--split column``: the data's split values as train/validation/test (the embedded aliases and errors)."""
    from pyspark.sql import functions as F

    from ..data.split import normalize_split_names

    values = [r["split"] for r in questions.select("split").distinct().collect()]
    names = normalize_split_names(values, source=source.plans[0].path, column=config.split_column or "split")
    mapping = [x for v, n in zip(values, names) if v is not None for x in (F.lit(v), F.lit(n))]
    return questions.withColumn("split", F.element_at(F.create_map(*mapping), F.col("split")))


def _dedupe(q, config: PrepareConfig):
    """``_n``: a question's rank among its identical ones (``_n > 1``: a duplicate, dropped); ``_leak`` with
    ``--split column``.

    As on the embedded engine (``prepare._Leaks``): with a split column, identical questions are compared within
    one split; a question that is the first copy in its split of one in a later split (test > validation >
    train) is leakage (``_leak``: dropped before the texts are built, counted apart; never the test row),
    whether or not ``--dedupe`` drops the copies within a split. Blank questions are never duplicates.

    The comparisons run on the ``(dkey, row, split)`` projection (a 64-bit hash per question, as the embedded
    engine's ``hash()``); only the few rows they flag are joined back, broadcast, so the questions' texts are
    never shuffled for it.
    """
    from pyspark import StorageLevel
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    column = config.split == "column"
    if not config.dedupe and not column:
        return q.withColumn("_n", F.lit(1)), None
    keys = q.filter(F.col("dkey").isNotNull()).select("dkey", "row", "split")
    if column:
        rank = F.element_at(F.create_map(*[x for i, name in enumerate(SPLITS) for x in (F.lit(name), F.lit(i))]),
                            F.col("split"))
        keys = keys.withColumn("_rank", rank)
        keys = keys.withColumn("_copy", F.row_number().over(Window.partitionBy("dkey", "_rank").orderBy("row")))
        best = F.max("_rank").over(Window.partitionBy("dkey"))
        keys = keys.withColumn("_leak", (F.col("_copy") == 1) & (best > F.col("_rank")))
        flags = keys.filter((F.col("_copy") > 1) | F.col("_leak")).select("row", "_copy", "_leak")
    else:
        keys = keys.withColumn("_copy", F.row_number().over(Window.partitionBy("dkey").orderBy("row")))
        flags = keys.filter(F.col("_copy") > 1).select("row", "_copy", F.lit(False).alias("_leak"))
    # kept: the tag counts' job and the answers' job both join them (computed again, the window cost ~2 s)
    flags = flags.persist(StorageLevel.MEMORY_AND_DISK)
    q = q.join(F.broadcast(flags), "row", "left")
    q = q.withColumn("_n", F.coalesce("_copy", F.lit(1)) if config.dedupe else F.lit(1))
    return q.withColumn("_leak", F.coalesce("_leak", F.lit(False))).drop("_copy"), flags


def _split(spark, kept, config: PrepareConfig, labels: list[str], source: SparkSource, counts: Counter,
           hist: list | None = None):
    """A ``split`` column (hash + rare-tag repair, the data's own, or all train) and the per-tag counts;
    ``hist``: the kept rows' key histogram (:func:`_cuts`), when the caller has it."""
    from pyspark.sql import functions as F

    if config.split == "none":
        kept = kept.withColumn("split", F.lit("train"))
    elif config.split == "column":
        kept = _carve_validation(kept, config, labels, counts)
    else:
        kept, have = _hash_split(kept, config, labels, counts["kept"], hist)
    if config.split != "iterative":
        have = _have(kept, labels)
    table = [{"tag": t, "count": int(have[i].sum()), **{s: int(have[i, j]) for j, s in enumerate(SPLITS)}}
             for i, t in enumerate(labels)]
    return kept, sorted(table, key=lambda r: (-r["count"], r["tag"]))


def _carve_validation(kept, config: PrepareConfig, labels: list[str], counts: Counter):
    """``--split column`` without validation rows: ``validation_fraction`` of train becomes validation, dealt by
    the hash of the id with the seed and the rare-tag repair (the embedded engine stratifies iteratively)."""
    import dataclasses

    from pyspark.sql import functions as F

    fraction = config.validation_fraction
    train = kept.filter(F.col("split") == "train").select("id", "text", "tags", "split", "row")
    n_train = train.count()
    if fraction <= 0 or n_train < 2 or kept.filter(F.col("split") == "validation").limit(1).count():
        return kept
    status(f"The split column has no validation rows: {fraction:g} of the {n_train:,} training rows become "
           f"the validation split (a hash of the id with seed {config.seed}, then the rare-tag repair)")
    carve = dataclasses.replace(config, split_ratios=(1 - fraction, fraction, 0.0), split="iterative")
    train, _ = _hash_split(train, carve, labels, n_train)
    counts["validation_carved_from_train"] = train.filter(F.col("split") == "validation").count()
    return train.unionByName(kept.filter(F.col("split") != "train").select("id", "text", "tags", "split", "row"))


def _hash_split(kept, config: PrepareConfig, labels: list[str], n: int, hist: list | None = None):
    """Rows dealt to the parts in the order of their hash key, exact sizes; then the rare-tag repair."""
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    from .split import boundaries, gap_tags, hash_keys, repair

    ratios, seed = tuple(config.split_ratios), config.seed
    status(f"Splitting by a hash of the id ({'/'.join(f'{r:g}' for r in ratios)}, seed {seed}), "
           "then repairing rare tags")

    def keyed(batches):
        for df in batches:
            df["_h"] = hash_keys(df["id"].tolist(), seed)
            yield df

    schema = "id string, text string, tags array<string>, split string, row long, _h long"
    if "_h" not in kept.columns:  # prepare's rows carry their key (persisted); a carved train split gets it here
        kept = kept.select("id", "text", "tags", "split", "row").mapInPandas(keyed, schema) \
            .persist(StorageLevel.DISK_ONLY)
    cuts = _cuts(kept, boundaries(n, ratios), n, hist)
    part = F.lit(len(SPLITS) - 1)
    for j in reversed(range(len(cuts))):
        part = F.when(_before(cuts[j]), F.lit(j)).otherwise(part)
    kept = kept.withColumn("_p", part)
    have = _have(kept.withColumn("split", F.element_at(F.array(*map(F.lit, SPLITS)), F.col("_p") + 1)), labels)
    active = [j for j, r in enumerate(ratios) if r > 0]
    gaps = gap_tags(have, labels, active)
    moves: dict[int, int] = {}
    if gaps:
        rows = kept.filter(F.arrays_overlap("tags", F.array(*[F.lit(t) for t in gaps]))) \
            .select("row", "tags", "_p").orderBy("row").collect()
        parts_of = {r["row"]: r["_p"] for r in rows}
        moves = repair([(r["row"], list(r["tags"]), r["_p"]) for r in rows], have, labels, active)
        flows = Counter((parts_of[r], p) for r, p in moves.items())
        index = {t: i for i, t in enumerate(labels)}
        for (donor, receiver), k in sorted(flows.items()):  # as many rows back, none leaving a tag without rows
            back = kept.filter((F.col("_p") == receiver) & ~F.col("row").isin(list(moves)))
            candidates = back.orderBy(F.col("_h").desc(), F.col("row").desc()).limit(max(50 * k, 1000)) \
                .select("row", "tags").collect()
            chosen = 0
            for r in candidates:
                tags = [index[t] for t in r["tags"]]
                if chosen == k:
                    break
                if all(have[t, receiver] >= 2 for t in tags):
                    moves[r["row"]] = donor
                    have[tags, receiver] -= 1
                    have[tags, donor] += 1
                    chosen += 1
        status(f"Rare-tag repair: {len(gaps)} tag(s) missed a part; {len(moves)} row(s) moved (some back, "
               "to keep the sizes)")
    part = F.col("_p")
    for target in sorted(set(moves.values())):
        rows_to = [r for r, p in moves.items() if p == target]
        part = F.when(F.col("row").isin(rows_to), F.lit(target)).otherwise(part)
    split = F.element_at(F.array(*map(F.lit, SPLITS)), part + 1)
    return kept.withColumn("split", split).drop("_h", "_p"), have  # have: kept up to date by every move


def _cuts(kept, ranks: list[int], n: int, hist: list | None = None) -> list:
    """The (key, row) at each rank in (key, row) order, from one histogram of the keys (``hist``: sorted
    ``(key >> HIST_SHIFT, rows)`` pairs, computed here unless given); None past the end."""
    from pyspark.sql import functions as F

    shift = HIST_SHIFT
    wanted = [k for k in ranks if k < n]
    if not wanted:
        return [None] * len(ranks)
    if hist is None:
        hist = sorted((r["b"], r["count"]) for r in
                      kept.groupBy(F.shiftright("_h", shift).alias("b")).count().collect())
    where = {}  # rank -> (bucket, rank within the bucket)
    seen = 0
    for b, c in hist:
        for k in wanted:
            if seen <= k < seen + c:
                where[k] = (b, k - seen)
        seen += c
    buckets = sorted({b for b, _ in where.values()})
    rows = kept.filter(F.shiftright("_h", shift).isin(buckets)).select(
        F.shiftright("_h", shift).alias("b"), "_h", "row").collect()
    by_bucket = {b: sorted((r["_h"], r["row"]) for r in rows if r["b"] == b) for b in buckets}
    return [by_bucket[where[k][0]][where[k][1]] if k in where else None for k in ranks]


def _before(cut):
    """Rows before ``cut`` in (key, row) order (all rows when there is no cut)."""
    from pyspark.sql import functions as F

    if cut is None:
        return F.lit(True)
    h, r = cut
    return (F.col("_h") < F.lit(h)) | ((F.col("_h") == F.lit(h)) & (F.col("row") < F.lit(r)))


def _have(kept, labels: list[str]) -> np.ndarray:
    """Rows per tag and part (tags x 3), by a group-by."""
    from pyspark.sql import functions as F

    index = {t: i for i, t in enumerate(labels)}
    have = np.zeros((len(labels), len(SPLITS)), dtype=np.int64)
    for r in kept.select(F.explode("tags").alias("tag"), "split").groupBy("tag", "split").count().collect():
        have[index[r["tag"]], SPLITS.index(r["split"])] = r["count"]
    return have


def _write(kept, tmp: Path) -> dict:
    """Each split written by Spark as one Parquet file, in source order; the driver moves them into place."""
    import pyarrow.parquet as pq

    from ..data import dataset as ds
    from ..data.prepare import ROW_SCHEMA

    staging = tmp / "_spark"
    status("Writing splits")
    # partitioned by the split, each split's rows are in one task, sorted there by split then row: the partitioned
    # writer then writes each split as one file, in row order, whatever the partitioning before (no part files for
    # the driver to join: at scale 1 that copy and the global sort before it took ~8 s; this ~5 s). Two tasks: by
    # Spark's hash, train has one of its own and validation and test share the other (a collision would only cost
    # the parallelism). zstd at level 1, as the embedded engine writes. The directories are named by a copy of the
    # split column: the files keep the column itself, as embedded
    from pyspark.sql import functions as F

    kept.select("id", "text", "tags", "split", "row", F.col("split").alias("_dir")).repartition(2, "_dir") \
        .sortWithinPartitions("_dir", "row").write.mode("overwrite").option("compression", "zstd") \
        .option("parquet.compression.codec.zstd.level", "1").option("parquet.block.size", str(WRITE_ROW_GROUP_BYTES)) \
        .option("maxRecordsPerFile", 0).partitionBy("_dir").parquet(staging.resolve().as_uri())  # 0: one file, always
    files = {}
    for s in SPLITS:
        target = ds.split_file(tmp, s)
        parts = sorted((staging / f"_dir={s}").glob("part-*.parquet"))
        if len(parts) > 1:  # not from one task: a bug, not bad input
            raise RuntimeError(f"Spark wrote {len(parts)} files for the {s} split; one was expected.")
        if parts:
            parts[0].rename(target)
        else:  # an empty split: an empty file, as embedded
            pq.ParquetWriter(target, ROW_SCHEMA, compression="zstd").close()
        files[f"{s}.parquet"] = {"rows": pq.ParquetFile(target).metadata.num_rows, "sha256": sha256_file(target)}
    return files


def _manifest(source: SparkSource, config: PrepareConfig, counts: Counter, label_table, files, tmp: Path,
              labels: list[str], spark, source_hashes: dict) -> dict:
    from ..data.prepare import _hash_extra_files, _manifest_head

    split_rows = {s: files[f"{s}.parquet"]["rows"] for s in SPLITS}
    _hash_extra_files(files, tmp, config)
    described = []
    for plan in source.plans:
        entry = {"path": plan.path}
        if not is_uri(plan.path):
            entry.update(bytes=Path(plan.path).stat().st_size, sha256=source_hashes[plan.path].result())
        described.append(entry)
    return {
        **_manifest_head(),
        "engine": {"name": "spark", "spark_version": spark.version, "master": spark.sparkContext.master,
                   "split": "hash of id with the seed, then a rare-tag repair" if config.split == "iterative"
                   else config.split},
        "source": {"format": source.format_name, "encoding": source.encoding, "html": source.html,
                   "files": described},
        "options": config.to_dict(),
        "tokenizer": config.tokenizer.to_dict(),
        "counts": {**dict(counts), "splits": split_rows, "labels": len(labels)},
        "labels": label_table,
        "files": files,
    }
