"""``prepare``: a raw dump in, a dataset directory out, in bounded memory.

The flow, each step a pure batch function from :mod:`.transforms`, :mod:`.tags` or :mod:`.split`:

1. stream the source in batches; clean HTML in worker processes; drop identical questions; count tags;
   spill questions and answers to hash buckets on disk (keyed by question id, so each bucket holds a
   question together with all its answers, whatever order the dump has them in);
2. choose the tags to keep (top N, excluded, minimum count);
3. bucket by bucket: join answers, build texts, restrict tags, drop rows left empty or untagged;
4. assign train/validation/test (iterative stratification, or the data's own split);
5. write the split files, ``labels.json`` and ``manifest.json`` into a temporary directory that
   replaces the output directory only when everything succeeded.

Example:
    >>> import tempfile
    >>> from multilabeltext.progress import quiet
    >>> out = tempfile.mkdtemp() + "/beer"
    >>> with quiet():
    ...     result = prepare(["../shared/datasets/stackexchange-samples/beer_se_AaronNie_Posts.xml"], out, PrepareConfig(top_n=5))
    >>> result.counts["kept"], result.counts["splits"]
    (170, {'train': 136, 'validation': 17, 'test': 17})
"""

from __future__ import annotations

import datetime as dt
import json
import math
import platform
import shutil
import zlib
from collections import Counter, deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .. import __version__
from ..config import SPLITS, PrepareConfig
from ..errors import ConfigError, EmptyDatasetError
from ..jsonfile import write_json
from ..outputs import atomic_directory, check_replaceable
from ..parallel import ordered_map, resolve_jobs
from ..progress import status, task
from ..safefiles import sha256_file
from . import dataset as ds
from .cleaning import clean_texts
from .readers import RawBatch, open_source
from .seen_keys import SeenKeys
from .split import iterative_split, normalize_split_names
from .tags import count_tags, filter_tags, select_tags
from .transforms import build_texts, question_keys

ROW_SCHEMA = pa.schema([("id", pa.string()), ("text", pa.string()), ("tags", pa.list_(pa.string())),
                        ("split", pa.string()), ("row", pa.int64())])  # the dataset's rows
BUCKET_BYTES = 128 << 20  # input bytes per staging bucket: bounds the memory of step 3 (~8x this)
PARALLEL_MIN_BYTES = 16 << 20  # smaller inputs are cleaned in-process (worker start-up would dominate)


@dataclass
class PrepareResult:
    """What ``prepare`` did: where the dataset is, its manifest, and the counts for the summary."""

    out: Path
    manifest: dict
    counts: dict = field(default_factory=dict)
    labels: list[str] = field(default_factory=list)


@dataclass
class _CleanJob:
    """The texts of one raw batch, as Arrow arrays (they pickle as plain buffers, cheap to send to workers)."""

    titles: pa.Array | None
    bodies: pa.Array | None
    answers: pa.Array | None
    html: bool
    drop_code: bool


def _clean_job(job: _CleanJob) -> tuple[pa.Array | None, pa.Array | None, pa.Array | None]:
    """Worker entry point: cleaned titles, bodies and answer bodies (module-level, so spawned workers find it)."""

    def clean(texts: pa.Array | None, html: bool) -> pa.Array | None:
        if texts is None:
            return None
        return pa.array(clean_texts(texts.to_pylist(), html=html, drop_code=job.drop_code), pa.string())

    return clean(job.titles, False), clean(job.bodies, job.html), clean(job.answers, job.html)


def _texts(frame: pd.DataFrame | None, column: str) -> pa.Array | None:
    return None if frame is None else pa.array(frame[column], pa.string(), from_pandas=True)


def _bucket_of(keys: pa.Array, n_buckets: int) -> np.ndarray:
    if n_buckets == 1:
        return np.zeros(len(keys), dtype=np.int64)
    return np.fromiter((zlib.crc32(k.encode()) % n_buckets for k in keys.to_pylist()), dtype=np.int64,
                       count=len(keys))


class _Buckets:
    """Spill files (Arrow IPC, fast to write and read back), one per kind of rows and bucket."""

    SCHEMAS = {
        "questions": pa.schema([("id", pa.string()), ("title", pa.string()), ("body", pa.string()),
                                ("tags", pa.list_(pa.string())), ("split", pa.string()), ("row", pa.int64())]),
        "answers": pa.schema([("parent_id", pa.string()), ("body", pa.string()), ("score", pa.int64()),
                              ("row", pa.int64())]),
    }

    def __init__(self, directory: Path, n: int):
        self.directory = directory
        self.n = n
        self._writers: dict[tuple[str, int], pa.ipc.RecordBatchFileWriter] = {}
        directory.mkdir(parents=True, exist_ok=True)

    def path(self, kind: str, bucket: int) -> Path:
        return self.directory / f"{kind}-{bucket:03d}.arrow"

    def write(self, kind: str, table: pa.Table, key: str) -> None:
        """Append rows, each to the bucket of its ``key`` column (question id or answer's parent id)."""
        if not table.num_rows:
            return
        buckets = _bucket_of(table[key].combine_chunks(), self.n)
        order = np.argsort(buckets, kind="stable")
        table = table.take(order) if self.n > 1 else table
        bounds = np.searchsorted(buckets[order], np.arange(self.n + 1))
        for b in range(self.n):
            if bounds[b + 1] > bounds[b]:
                writer = self._writers.get((kind, b))
                if writer is None:
                    writer = pa.ipc.new_file(self.path(kind, b), self.SCHEMAS[kind])
                    self._writers[(kind, b)] = writer
                writer.write_table(table.slice(bounds[b], bounds[b + 1] - bounds[b]))

    def read(self, kind: str, bucket: int) -> pd.DataFrame | None:
        path = self.path(kind, bucket)
        if not path.exists():
            return None
        with pa.memory_map(str(path)) as source:
            return pa.ipc.open_file(source).read_all().to_pandas()

    def close(self) -> None:
        for writer in self._writers.values():
            writer.close()
        self._writers.clear()


def prepare(inputs: list[str | Path], out: str | Path, config: PrepareConfig | None = None, *,
            force: bool = False) -> PrepareResult:
    """Read ``inputs``, clean and tag-filter them, split, and write a dataset directory at ``out``."""
    config = config or PrepareConfig()
    if not inputs:
        raise ConfigError("no input file given.", fix="pass the dump's file(s), e.g. Questions.csv or Posts.xml.")
    from ..outputs import claim_output

    with claim_output(out, inputs=inputs):  # before any work: one run per output, inputs never inside it
        check_replaceable(out, force=force)
        return _prepare(inputs, out, config, force)


def _prepare(inputs: list[str | Path], out: str | Path, config: PrepareConfig, force: bool) -> PrepareResult:
    source = open_source(inputs, config)
    if config.split == "column" and source.format_name != "table":
        raise ConfigError(f"--split column needs a table input with a split column; {source.format_name} "
                          "sources carry no split.", fix="use --split iterative.")
    total_bytes = source.total_bytes
    jobs = resolve_jobs(config.jobs) if total_bytes >= PARALLEL_MIN_BYTES else 1
    n_buckets = min(max(math.ceil(total_bytes / BUCKET_BYTES), 1), 64)
    counts: Counter = Counter()

    with atomic_directory(out, force=force) as tmp, ThreadPoolExecutor(1) as hasher:
        source_hashes = {str(p): hasher.submit(sha256_file, p) for p in source.files}
        buckets = _Buckets(tmp / "_staging", n_buckets)
        leaks = _Leaks(counts) if config.split == "column" else None
        try:
            tag_counts = _stage_clean(source, config, buckets, jobs, total_bytes, counts, leaks)
        finally:
            buckets.close()
        kept_labels = select_tags(tag_counts, top_n=config.top_n, exclude=config.exclude_tags,
                                  min_count=config.min_tag_count) if tag_counts else []
        if not kept_labels:
            raise EmptyDatasetError(
                f"no tags to learn: the {counts['questions_read']} question(s) read carry no tags"
                + (" that qualify" if tag_counts else "") + ".", path=source.paths[0],
                fix="check the label column (--label-column) or lower --min-tag-count / shorten --exclude-tag.")
        joined = _stage_join(buckets, config, set(kept_labels), counts, source.paths[0],
                             leaks.rows() if leaks else None)
        splits = _assign_splits(joined, config, source.paths[0], counts)
        files = _stage_write(tmp, buckets, joined, splits)
        label_table = _label_table(joined, splits, kept_labels)
        if config.tutorial_artifacts:
            _write_tutorial_artifacts(tmp, kept_labels, config, jobs)
        write_json(tmp / ds.LABELS, kept_labels)
        manifest = _manifest(source, config, counts, label_table, files, source_hashes, tmp, kept_labels, n_buckets)
        write_json(tmp / ds.MANIFEST, manifest)
        shutil.rmtree(tmp / "_staging", ignore_errors=True)
    return PrepareResult(out=Path(out), manifest=manifest, counts=manifest["counts"], labels=kept_labels)


class _Leaks:
    """De-duplication that keeps a split the data gave (``--split column``).

    A row duplicating a row of the same split follows the dedupe setting (dropped at once); a row duplicating
    a row of a later split in test > validation > train order is leakage: that row (never the test row) is
    dropped once every row has been seen (:meth:`rows`), and counted apart. The keys seen are kept per split
    in :class:`SeenKeys`, and each first copy as ``(row, key, rank)`` in NumPy chunks: about 25 bytes a question
    (8 for the seen key, 17 for the record) instead of the ~200 of Python sets, dicts and tuples.
    """

    RANK = {"train": 0, "validation": 1, "test": 2}

    def __init__(self, counts: Counter):
        self.counts = counts
        self.seen = [SeenKeys() for _ in self.RANK]  # per rank: the keys of its first copies
        self.records: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # (rows, keys, ranks) of first copies

    def add(self, q: pd.DataFrame, config: PrepareConfig, source_name: str) -> np.ndarray:
        names = normalize_split_names(q["split"].tolist(), source=source_name, column=config.split_column or "split")
        ranks = np.array([self.RANK[name] for name in names], dtype=np.int8)
        keys = np.fromiter(question_keys(q, config.fields), dtype=np.int64, count=len(q))
        rows = q["row"].to_numpy(dtype=np.int64)
        first = np.zeros(len(q), dtype=bool)
        text = ~_blank_questions(q, config.fields)  # a blank one is never a duplicate
        for rank, seen in enumerate(self.seen):
            mine = np.flatnonzero(text & (ranks == rank))
            first[mine] = seen.add_new(keys[mine])
        copies = text & ~first
        self.records.append((rows[first], keys[first], ranks[first]))
        if not config.dedupe:
            return np.ones(len(q), dtype=bool)
        self.counts["duplicates"] += int(copies.sum())
        return ~copies

    def rows(self) -> np.ndarray:
        """Rows that duplicate a row of a later split (training rows copying test rows, ...)."""
        if not self.records:
            return np.zeros(0, dtype=np.int64)
        rows, keys, ranks = (np.concatenate(parts) for parts in zip(*self.records))
        order = np.argsort(keys, kind="stable")
        sorted_keys = keys[order]
        starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
        best = np.maximum.reduceat(ranks[order], starts)  # per distinct key: the latest split holding it
        best_of_row = np.repeat(best, np.diff(np.r_[starts, len(keys)]))
        return np.sort(rows[order][best_of_row > ranks[order]])


def _stage_clean(source, config: PrepareConfig, buckets: _Buckets, jobs: int, total_bytes: int,
                 counts: Counter, leaks: _Leaks | None = None) -> Counter:
    """Step 1: stream, clean, de-duplicate, count tags, spill to buckets."""
    source_name = str(source.paths[0])
    seen = SeenKeys()  # the questions' keys (de-duplication)
    tag_counts: Counter = Counter()
    rows = {"questions": 0, "answers": 0}
    waiting: deque[RawBatch] = deque()  # raw batches whose texts are being cleaned, in order

    def clean_jobs():
        for raw in source.batches():
            waiting.append(raw)
            yield _CleanJob(_texts(raw.questions, "title"), _texts(raw.questions, "body"),
                            _texts(raw.answers, "body"), source.html, config.drop_code)

    def numbered(kind: str, n: int) -> pa.Array:
        start = rows[kind]
        rows[kind] += n
        return pa.array(np.arange(start, start + n, dtype=np.int64))

    with task(f"Reading {source.format_name} ({jobs} process{'es' if jobs > 1 else ''})", total=total_bytes,
              unit="bytes") as bar:
        for titles, bodies, answer_bodies in ordered_map(_clean_job, clean_jobs(), jobs=jobs):
            raw = waiting.popleft()
            bar.advance(raw.bytes_read)
            q = raw.questions
            if q is not None and len(q):
                q = q.assign(title=titles.to_pandas(), body=bodies.to_pandas(), row=numbered("questions", len(q)))
                if config.split == "column":  # the user's split is never changed by dedupe (see _Leaks)
                    q = q[leaks.add(q, config, source_name)]
                elif config.dedupe:
                    keep = np.ones(len(q), dtype=bool)
                    text = ~_blank_questions(q, config.fields)  # a blank one: counted as empty text later
                    keys = np.fromiter(question_keys(q, config.fields), dtype=np.int64, count=len(q))
                    keep[text] = seen.add_new(keys[text])
                    counts["duplicates"] += int((~keep).sum())
                    q = q[keep]
                tag_counts += count_tags(q["tags"])
                buckets.write("questions", pa.Table.from_pandas(q, schema=_Buckets.SCHEMAS["questions"],
                                                                preserve_index=False), key="id")
            a = raw.answers
            if a is not None and len(a):
                table = pa.table({"parent_id": pa.array(a["parent_id"], pa.string(), from_pandas=True),
                                  "body": answer_bodies,
                                  "score": pa.array(a["score"], pa.int64(), from_pandas=True),
                                  "row": numbered("answers", len(a))}, schema=_Buckets.SCHEMAS["answers"])
                buckets.write("answers", table.filter(pc.not_equal(table["body"], "")), key="parent_id")
    stats = source.stats
    counts.update(questions_read=stats.questions, answers_read=stats.answers, other_posts=stats.other_posts,
                  malformed=stats.malformed)
    counts["malformed_examples"] = list(stats.malformed_examples)
    if stats.label_problems:
        counts["label_problems"] = dict(stats.label_problems)
    if stats.repeated_ids:
        counts["repeated_ids"] = stats.repeated_ids
    if stats.questions == 0:
        raise EmptyDatasetError("no questions found in the input.", path=source.paths[0],
                                fix="check the file and --format (Posts files need PostTypeId=1 rows).")
    return tag_counts


def _blank_questions(q: pd.DataFrame, fields) -> np.ndarray:
    """Rows whose own text fields (those :func:`question_keys` hashes) are all empty after cleaning."""
    blank = np.ones(len(q), dtype=bool)
    if "title" in fields:
        blank &= (q["title"].fillna("") == "").to_numpy()
    if "body" in fields or "title" not in fields:
        blank &= (q["body"].fillna("") == "").to_numpy()
    return blank


def _stage_join(buckets: _Buckets, config: PrepareConfig, keep: set[str], counts: Counter,
                source_path: Path, leaked: np.ndarray | None = None) -> list[pd.DataFrame]:
    """Step 3: per bucket, join answers and build texts; restrict tags; drop empty and untagged rows.

    Each bucket's rows go back to disk; only their tags and source splits stay in memory (for step 4).
    """
    joined = []
    with task("Joining answers, filtering tags", total=buckets.n) as bar:
        for b in range(buckets.n):
            q = buckets.read("questions", b)
            a = buckets.read("answers", b)
            if q is None:
                joined.append(pd.DataFrame({"tags": [], "split": []}))
                bar.advance()
                continue
            if a is not None:
                has_parent = a["parent_id"].isin(q["id"])
                counts["answers_orphaned"] += int((~has_parent).sum())
                a = a[has_parent]
            if leaked is not None and len(leaked):
                copies = np.isin(q["row"].to_numpy(), leaked)
                counts["duplicates_of_a_later_split"] += int(copies.sum())
                q = q[~copies]
            q = build_texts(q, a, fields=config.fields, max_answers=config.max_answers)
            empty = (q["text"] == "").to_numpy()
            counts["empty_text"] += int(empty.sum())
            q = q[~empty]
            q["tags"] = pd.Series(filter_tags(q["tags"], keep), index=q.index, dtype=object)
            untagged = np.array([len(t) == 0 for t in q["tags"]], dtype=bool)
            counts["no_kept_tag"] += int(untagged.sum())
            q = q.loc[~untagged, ["id", "text", "tags", "split", "row"]]
            if a is not None and "answers" in config.fields and config.max_answers != 0:  # of the questions kept
                per_question = a[a["parent_id"].isin(q["id"])].groupby("parent_id").size()
                counts["answers_joined"] += int(per_question.clip(upper=config.max_answers).sum()
                                                if config.max_answers is not None else per_question.sum())
            with pa.ipc.new_file(buckets.path("joined", b), ROW_SCHEMA) as writer:
                writer.write_table(pa.Table.from_pandas(q, schema=ROW_SCHEMA, preserve_index=False))
            joined.append(q[["tags", "split"]].reset_index(drop=True))
            del q, a
            bar.advance()
    counts["kept"] = sum(len(j) for j in joined)
    if counts["kept"] == 0:
        raise EmptyDatasetError(
            f"no rows left: {counts['empty_text']} had no text after cleaning, {counts['no_kept_tag']} had none "
            f"of the {len(keep)} kept tags, {counts['duplicates']} were duplicates.", path=source_path,
            fix="check the text column(s) and --fields (empty texts), --top-n, --exclude-tag, --min-tag-count.")
    return joined


def _assign_splits(joined: list[pd.DataFrame], config: PrepareConfig, source_path: Path,
                   counts: Counter | None = None) -> list[np.ndarray]:
    """Step 4: a split name per row of each bucket."""
    sizes = [len(j) for j in joined]
    if config.split == "none":
        names = np.array(["train"] * sum(sizes), dtype=object)
    elif config.split == "column":
        values = [v for j in joined for v in j["split"].tolist()]
        names = np.array(normalize_split_names(values, source=str(source_path),
                                               column=config.split_column or "split"), dtype=object)
        train = np.flatnonzero(names == "train")
        if config.validation_fraction > 0 and not (names == "validation").any() and len(train) >= 2:
            # no validation rows given: carve them out of train, stratified like the iterative split
            label_sets = [tags for j in joined for tags in j["tags"].tolist()]
            status(f"The split column has no validation rows: {config.validation_fraction:g} of the "
                   f"{len(train):,} training rows become the validation split (stratified, seed {config.seed})")
            part = iterative_split([label_sets[i] for i in train],
                                   (1 - config.validation_fraction, config.validation_fraction, 0.0), config.seed)
            names[train[part == 1]] = "validation"
            if counts is not None:
                counts["validation_carved_from_train"] = int((part == 1).sum())
    else:
        label_sets = [tags for j in joined for tags in j["tags"].tolist()]
        status(f"Splitting {len(label_sets):,} rows by iterative stratification "
               f"({'/'.join(f'{r:g}' for r in config.split_ratios)}, seed {config.seed})")
        names = np.array(SPLITS, dtype=object)[iterative_split(label_sets, config.split_ratios, config.seed)]
    return np.split(names, np.cumsum(sizes)[:-1])


def _stage_write(tmp: Path, buckets: _Buckets, joined: list[pd.DataFrame], splits: list[np.ndarray]) -> dict:
    """Step 5: the split files (Parquet, zstd), rows in bucket order; ``row`` keeps the source order."""
    writers = {s: pq.ParquetWriter(ds.split_file(tmp, s), ROW_SCHEMA, compression="zstd") for s in SPLITS}
    rows = Counter()
    try:
        with task("Writing splits", total=buckets.n) as bar:
            for b, names in enumerate(splits):
                path = buckets.path("joined", b)
                if path.exists():
                    with pa.memory_map(str(path)) as joined_file:
                        table = pa.ipc.open_file(joined_file).read_all()
                    table = table.set_column(3, "split", pa.array(names, pa.string()))
                    for s in SPLITS:
                        part = table.filter(pc.equal(table["split"], s))
                        if part.num_rows:
                            writers[s].write_table(part)
                            rows[s] += part.num_rows
                bar.advance()
    finally:
        for w in writers.values():
            w.close()
    return {f"{s}.parquet": {"rows": rows[s], "sha256": sha256_file(ds.split_file(tmp, s))} for s in SPLITS}


def _label_table(joined: list[pd.DataFrame], splits: list[np.ndarray], labels: list[str]) -> list[dict]:
    per_split = {s: Counter() for s in SPLITS}
    for frame, names in zip(joined, splits):
        for tags, s in zip(frame["tags"].tolist(), names.tolist()):
            per_split[s].update(tags)
    table = [{"tag": t, "count": sum(per_split[s][t] for s in SPLITS), **{s: per_split[s][t] for s in SPLITS}}
             for t in labels]
    return sorted(table, key=lambda r: (-r["count"], r["tag"]))


def _tokenize_texts(texts: list[str], tokenizer_config) -> list[str]:
    """Worker entry point: token lists as JSON lines."""
    from .tokenizer import Tokenizer

    tok = Tokenizer(tokenizer_config)
    return [json.dumps(tok(t), ensure_ascii=False) for t in texts]


def _write_tutorial_artifacts(tmp: Path, labels: list[str], config: PrepareConfig, jobs: int) -> None:
    """The 2018 tutorial's artifacts in safe formats: label matrix (.npy), class names, ids, token lists.

    Rows are in dataset order (train, validation, test files); ``ids.json`` aligns them with the Parquet rows.
    """
    out = tmp / "tutorial"
    out.mkdir()
    index = {t: i for i, t in enumerate(labels)}
    ids: list[str] = []
    matrices = []

    def text_batches():  # ids and label rows are collected as the texts stream by
        for s in SPLITS:
            for batch in pq.ParquetFile(ds.split_file(tmp, s)).iter_batches(batch_size=20000):
                frame = batch.to_pandas()
                ids.extend(frame["id"].tolist())
                m = np.zeros((len(frame), len(labels)), dtype=np.uint8)
                for r, tags in enumerate(frame["tags"].tolist()):
                    m[r, [index[t] for t in tags]] = 1
                matrices.append(m)
                yield frame["text"].tolist()

    tokenize = partial(_tokenize_texts, tokenizer_config=config.tokenizer)
    with open(out / "sentences.jsonl", "w", encoding="utf-8") as sentences, task("Tokenizing for the tutorial") as bar:
        for lines in ordered_map(tokenize, text_batches(), jobs=jobs):
            sentences.write("\n".join(lines) + "\n")
            bar.advance(len(lines))
    np.save(out / "labels.npy", np.concatenate(matrices) if matrices else np.zeros((0, len(labels)), np.uint8))
    write_json(out / "classes.json", labels)
    write_json(out / "ids.json", ids)


def _hash_extra_files(files: dict, tmp: Path, config: PrepareConfig) -> None:
    """Add the SHA-256 of ``labels.json`` and of the tutorial artifacts (when written) to ``files``; both
    engines' manifests list them."""
    if config.tutorial_artifacts:
        for name in ("labels.npy", "classes.json", "ids.json", "sentences.jsonl"):
            files[f"tutorial/{name}"] = {"sha256": sha256_file(tmp / "tutorial" / name)}
    files["labels.json"] = {"sha256": sha256_file(tmp / ds.LABELS)}


def _manifest_head() -> dict:
    """The keys every manifest starts with: the dataset format and version, when and by what it was made."""
    return {
        "format": ds.FORMAT_NAME,
        "format_version": ds.FORMAT_VERSION,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "multilabeltext_version": __version__,
        "python": platform.python_version(),
    }


def _manifest(source, config: PrepareConfig, counts: Counter, label_table: list[dict], files: dict,
              source_hashes: dict, tmp: Path, labels: list[str], n_buckets: int) -> dict:
    split_rows = {s: files[f"{s}.parquet"]["rows"] for s in SPLITS}
    _hash_extra_files(files, tmp, config)
    return {
        **_manifest_head(),
        "source": {
            "format": source.format_name,
            "encoding": source.encoding,
            "html": source.html,
            "files": [{"path": str(p), "bytes": p.stat().st_size, "sha256": source_hashes[str(p)].result()}
                      for p in source.files],
        },
        "options": config.to_dict(),
        "tokenizer": config.tokenizer.to_dict(),
        "counts": {**dict(counts), "splits": split_rows, "labels": len(labels), "staging_buckets": n_buckets},
        "labels": label_table,
        "files": files,
    }
