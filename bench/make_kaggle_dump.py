"""Build a synthetic, full-size Kaggle "Python Questions from Stack Overflow" dump from real texts.

The output directory gets the Kaggle triple, byte-for-byte in the Kaggle layout:

* ``Questions.csv``: ``Id,OwnerUserId,CreationDate,Score,Title,Body``
* ``Answers.csv``:   ``Id,OwnerUserId,CreationDate,ParentId,Score,Body`` (ordered by answer Id, so the
  answers of one question are interleaved with those of others, as in the real dump)
* ``Tags.csv``:      ``Id,Tag`` (one row per question and tag; every question has ``python``)

All three are ISO-8859-1, written with the ``csv`` module (QUOTE_MINIMAL, ``\\n`` line ends, header row),
with ``NA`` for missing OwnerUserId and dates like ``2008-08-02T15:11:16Z``.

Texts are real: titles come from ``so-titles`` and the samples' Title fields; HTML bodies are rebuilt
from whole top-level blocks (``<p>``, ``<pre><code>``, lists, ...) of the real bodies in
``stackexchange-samples``: a synthetic body is the opening block of a random real body followed by random
real blocks until it reaches a length drawn from a lognormal distribution. Characters that ISO-8859-1
cannot encode (curly quotes, dashes, box drawing, ...) become ``?``.  Ids, dates, owners, scores and
tags are drawn at random, with shapes like the real dump's. The same ``--seed`` gives the same bytes.

A ``dump.json`` written last records the parameters; a later run with the same parameters reuses the
files instead of regenerating them (``--force`` regenerates).

Usage:
    python bench/make_kaggle_dump.py                     # full size, ~2 GB, into /tmp/multilabeltext-bench/kaggle-full
    python bench/make_kaggle_dump.py --scale 0.01 --out /tmp/kaggle-small
"""

from __future__ import annotations

import argparse
import ast
import collections
import contextlib
import csv
import json
import re
import sys
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

VERSION = 1  # bump when the output for a given set of parameters changes
FULL_QUESTIONS = 607_282
FULL_ANSWERS = 987_122
DEFAULT_OUT = Path("/tmp/multilabeltext-bench/kaggle-full")
REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATASETS = REPO.parent / "shared" / "datasets"
FILES = ("Questions.csv", "Answers.csv", "Tags.csv")

# Shapes of the real dump (approximate): body lengths in characters, tags per question.
QUESTION_BODY_CHARS = 900
ANSWER_BODY_CHARS = 1_300
BODY_LENGTH_SIGMA = 0.9  # lognormal spread of the target length (mean/median ~ 1.5)
EXTRA_TAGS_P = (0.08, 0.24, 0.31, 0.22, 0.15)  # P(0..4 tags besides python): ~3.1 tag rows per question
TAG_ZIPF_S = 0.8  # P(rank r) ~ 1/r**s over the vocabulary: top tag ~5% of extra tags, 10th ~0.8%
SO_SHARE = 0.5  # share of body pieces drawn from stackoverflow.com texts (the rest: other SE sites)
# Most used tags next to python in the real dump, most frequent first (approximate order).
HEAD_TAGS = ("python-2.7", "django", "pandas", "python-3.x", "numpy", "list", "dictionary", "matplotlib", "regex",
             "tkinter", "string", "flask", "csv", "arrays", "scipy", "json", "selenium", "beautifulsoup",
             "sqlalchemy", "web-scraping", "linux", "multithreading", "django-models", "class", "pygame",
             "for-loop", "function", "windows", "mysql", "sorting", "unicode", "subprocess", "loops", "opencv",
             "file", "scikit-learn", "google-app-engine", "tuples", "datetime", "python-requests", "variables",
             "pyqt", "sockets", "pip", "osx", "xml", "flask-sqlalchemy", "algorithm", "oop", "django-views",
             "django-forms", "urllib2", "python-imaging-library", "html", "sqlite", "encoding", "recursion",
             "dataframe", "parsing", "pyqt4", "performance", "math", "ubuntu", "list-comprehension", "lambda",
             "scrapy", "anaconda")
# (post Id, UTC date) anchors of Stack Overflow's Id clock, for CreationDate; the first is the dump's first
# question, the last the end of the dump. Dates in between are interpolated linearly.
ID_CLOCK = [(469, "2008-08-02T15:11:16"), (1_000_000, "2009-06-15T12:00:00"),
            (5_000_000, "2011-02-01T12:00:00"), (10_000_000, "2012-03-25T12:00:00"),
            (20_000_000, "2013-11-20T12:00:00"), (30_000_000, "2015-05-18T12:00:00"),
            (40_143_365, "2016-10-19T23:00:00")]
CHUNK = 20_000  # rows per write


@dataclass
class Pool:
    """Real texts to resample, already made ISO-8859-1 safe."""

    titles: list[str] = field(default_factory=list)
    so_bodies: list[str] = field(default_factory=list)
    other_bodies: list[str] = field(default_factory=list)
    so_tags: collections.Counter = field(default_factory=collections.Counter)
    other_tags: collections.Counter = field(default_factory=collections.Counter)
    replaced: collections.Counter = field(default_factory=collections.Counter)
    sources: dict = field(default_factory=dict)

    def latin1(self, text: str) -> str:
        """Return ``text`` with CR/LF normalised and non-ISO-8859-1 characters replaced by ``?``."""
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        if not text.isascii():
            for ch in text:
                if ord(ch) > 255:
                    self.replaced[ch] += 1
            text = text.encode("latin-1", "replace").decode("latin-1")
        return text

    def add(self, source: str, site_is_so: bool, title: str | None, body: str | None, tags: str | None):
        """Add one post's title, body and ``<a><b>`` tags (any may be missing)."""
        stats = self.sources.setdefault(source, {"titles": 0, "bodies": 0})
        if title and title.strip():
            self.titles.append(self.latin1(title.strip()))
            stats["titles"] += 1
        if body and body.strip():
            (self.so_bodies if site_is_so else self.other_bodies).append(self.latin1(body.strip()) + "\n")
            stats["bodies"] += 1
        if tags:
            (self.so_tags if site_is_so else self.other_tags).update(re.findall(r"<([^<>]+)>", tags))


def load_pool(datasets: Path) -> Pool:
    """Read every real title, HTML body and tag name under ``datasets`` (see its README.md)."""
    csv.field_size_limit(sys.maxsize)
    samples = datasets / "stackexchange-samples"
    pool = Pool()
    csv_files = [("so_sede_Maelys0903_QueryResults.csv", True), ("so_sede_lalloretpilou_QueryResults.csv", True),
                 ("so_top100_YasirSyed_Questions.csv", True), ("movies_se_RafaelRon_Posts.csv", False),
                 ("history_meta_se_VanAnDuong_Posts.csv", False)]
    for name, is_so in csv_files:
        with open(samples / name, encoding="utf-8-sig", newline="") as fh:
            for row in csv.DictReader(fh):
                if row.get("PostTypeId", "1") in ("1", "2"):  # questions and answers, not tag wikis
                    pool.add(name, is_so, row.get("Title"), row.get("Body"), row.get("Tags"))
    for name, is_so in [("so_first_posts_JesseAldridge_posts.xml", True), ("beer_se_AaronNie_Posts.xml", False)]:
        for _, el in ET.iterparse(samples / name):
            if el.tag == "row" and el.get("PostTypeId") in ("1", "2"):
                pool.add(name, is_so, el.get("Title"), el.get("Body"), el.get("Tags"))
            el.clear()
    with open(samples / "so_top100_YasirSyed_Tags.csv", encoding="utf-8-sig", newline="") as fh:
        pool.so_tags.update(row["TagName"] for row in csv.DictReader(fh))
    with open(datasets / "so-titles" / "so_titles.tsv", encoding="utf-8") as fh:
        next(fh)
        for line in fh:
            title, tags, _split = line.rstrip("\n").split("\t")
            pool.add("so_titles.tsv", True, title, None, None)
            pool.so_tags.update(ast.literal_eval(tags))
    return pool


def tag_vocabulary(pool: Pool) -> list[str]:
    """Tags besides ``python``, most frequent first: HEAD_TAGS, then Stack Overflow's, then other sites'."""
    vocab = list(dict.fromkeys(HEAD_TAGS))
    seen = set(vocab) | {"python"}
    for counter in (pool.so_tags, pool.other_tags):
        for tag, _ in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])):
            tag = tag.strip().lower()
            if tag and tag not in seen and tag.isascii() and "," not in tag:
                vocab.append(tag)
                seen.add(tag)
    return vocab


_BLOCK_TAG = re.compile(r"<(/?)(p|pre|ul|ol|blockquote|h[1-6]|table|div|dl)\b[^>]*>", re.IGNORECASE)


def split_blocks(html: str) -> list[str]:
    """Split an HTML body into its top-level blocks, each ending with a newline."""
    blocks, depth, start = [], 0, 0
    for m in _BLOCK_TAG.finditer(html):
        if not m.group(1):
            depth += 1
            continue
        depth = max(depth - 1, 0)
        if depth == 0:
            end = m.end()
            while end < len(html) and html[end] == "\n":
                end += 1
            blocks.append(html[start:end])
            start = end
    rest = html[start:]
    if rest.strip() or not blocks:
        blocks.append(rest)
    elif rest:
        blocks[-1] += rest
    return [b if b.endswith("\n") else b + "\n" for b in blocks]


class BodyMaker:
    """Draw HTML bodies of a given mean length: a real opening block, then random real blocks."""

    def __init__(self, pool: Pool, mean_chars: int, rng: np.random.Generator):
        self.rng = rng
        self.groups = []  # (opening blocks, all blocks) of Stack Overflow texts, then of other sites'
        for bodies in (pool.so_bodies, pool.other_bodies):
            split = [split_blocks(body) for body in bodies]
            self.groups.append(([b[0] for b in split], [block for b in split for block in b]))
        self.mu = np.log(mean_chars) - BODY_LENGTH_SIGMA ** 2 / 2
        for _ in range(2):  # compensate the overshoot past the target (a block is never cut)
            got = np.mean([len(b) for b in self.bodies(4000, np.random.default_rng(12345))])
            self.mu += np.log(mean_chars / got)

    def bodies(self, n: int, rng: np.random.Generator | None = None) -> list[str]:
        """Return ``n`` bodies."""
        rng = rng or self.rng
        targets = np.clip(rng.lognormal(self.mu, BODY_LENGTH_SIGMA, n), 30, 60_000).astype(int).tolist()
        m = 6 * n + 8
        picks = iter(zip((rng.random(m) >= SO_SHARE).tolist(), rng.random(m).tolist()))

        def draw(kind: int) -> str:  # kind 0: an opening block, 1: any block
            group, u = next(picks, None) or (rng.random() >= SO_SHARE, rng.random())
            blocks = self.groups[group][kind]
            return blocks[int(u * len(blocks))]

        out = []
        for target in targets:
            parts = [draw(0)]
            length = len(parts[0])
            while length < target:
                parts.append(draw(1))
                length += len(parts[-1])
            out.append("".join(parts))
        return out


def creation_dates(ids: np.ndarray) -> np.ndarray:
    """Map post Ids to ``YYYY-MM-DDTHH:MM:SSZ`` strings along ID_CLOCK."""
    anchor_ids = [i for i, _ in ID_CLOCK]
    anchor_s = [np.datetime64(d, "s").astype(np.int64) for _, d in ID_CLOCK]
    seconds = np.interp(ids, anchor_ids, anchor_s).astype(np.int64).astype("datetime64[s]")
    return np.char.add(np.datetime_as_string(seconds, unit="s"), "Z")


def owners(ids: np.ndarray, na_share: float, rng: np.random.Generator) -> list:
    """Return OwnerUserIds (``NA`` for deleted users), below the number of users at each post's time."""
    users_then = 25 + ids * (6_900_000 / ID_CLOCK[-1][0])
    uid = 1 + (users_then * rng.random(len(ids)) ** 1.5).astype(np.int64)
    return ["NA" if na else u for na, u in zip((rng.random(len(ids)) < na_share).tolist(), uid.tolist())]


def scores(n: int, rng: np.random.Generator) -> np.ndarray:
    """Return post scores: mostly 0-3, a long positive tail, ~8% negative."""
    score = np.floor(rng.pareto(1.4, n) * 1.6).astype(np.int64)
    negative = rng.random(n) < 0.08
    score[negative] = -rng.integers(1, 5, int(negative.sum()))
    return score


def plan_posts(n_questions: int, n_answers: int, rng: np.random.Generator):
    """Draw question Ids, and answer Ids with parents, all unique and on the same Id clock."""
    first, last = ID_CLOCK[0][0], ID_CLOCK[-1][0]
    qids = np.sort(first + rng.choice(last - first + 1, n_questions, replace=False, shuffle=False))
    if n_questions:
        qids[0] = first  # the real dump's first question
    popularity = rng.gamma(3.0, 1.0, n_questions)  # ~27% of questions get no answer
    parents = rng.choice(n_questions, n_answers, p=popularity / popularity.sum())
    delay = np.ceil(rng.lognormal(np.log(150), 2.3, n_answers)).astype(np.int64)  # in Ids: minutes to years
    room = last - qids[parents] + 1  # answers stay before the end of the dump
    aids = qids[parents] + 1 + (delay - 1) % room
    while True:  # move colliding answer Ids up until all Ids are unique
        order = np.argsort(aids, kind="stable")
        aids, parents = aids[order], parents[order]
        clash = np.isin(aids, qids)
        clash[1:] |= aids[1:] == aids[:-1]
        if not clash.any():
            return qids, aids, qids[parents]
        aids[clash] += 1


@contextlib.contextmanager
def kaggle_csv(path: Path, header: list[str]):
    """Open ``path`` as an ISO-8859-1 CSV written like the Kaggle dump; yield a csv writer after the header."""
    with open(path, "w", encoding="latin-1", errors="replace", newline="", buffering=1 << 22) as fh:
        writer = csv.writer(fh, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
        writer.writerow(header)
        yield writer


def progress(quiet: bool, what: str, done: int, total: int):
    """Show ``done/total`` on stderr (overwriting the line) unless ``quiet``."""
    if not quiet:
        print(f"\r  {what} {done:,}/{total:,}  ", end="" if done < total else "\n", file=sys.stderr, flush=True)


def write_dump(out: Path, n_questions: int, n_answers: int, seed: int, pool: Pool, quiet=False) -> dict:
    """Write the three CSV files into ``out``; return counts for dump.json."""
    plan_rng, q_rng, a_rng, tag_rng, title_rng = [np.random.default_rng(s)
                                                  for s in np.random.SeedSequence(seed).spawn(5)]
    qids, aids, parent_ids = plan_posts(n_questions, n_answers, plan_rng)
    vocab = tag_vocabulary(pool)
    zipf = 1.0 / np.arange(1, len(vocab) + 1) ** TAG_ZIPF_S
    zipf /= zipf.sum()
    tag_rows, used_tags = 0, set()

    q_bodies = BodyMaker(pool, QUESTION_BODY_CHARS, q_rng)
    with (kaggle_csv(out / "Questions.csv", ["Id", "OwnerUserId", "CreationDate", "Score", "Title", "Body"]) as wq,
          kaggle_csv(out / "Tags.csv", ["Id", "Tag"]) as wt):
        for lo in range(0, n_questions, CHUNK):
            ids = qids[lo:lo + CHUNK]
            n = len(ids)
            titles = [pool.titles[i] for i in title_rng.integers(0, len(pool.titles), n).tolist()]
            wq.writerows(zip(ids.tolist(), owners(ids, 0.015, q_rng), creation_dates(ids).tolist(),
                             scores(n, q_rng).tolist(), titles, q_bodies.bodies(n)))
            n_extra = tag_rng.choice(len(EXTRA_TAGS_P), n, p=EXTRA_TAGS_P).tolist()
            draws = tag_rng.choice(len(vocab), (n, 6), p=zipf).tolist()
            for qid, k, row in zip(ids.tolist(), n_extra, draws):
                tags = list(dict.fromkeys(row))[:k]  # k distinct tags
                used_tags.update(tags)
                wt.writerows([(qid, "python")] + [(qid, vocab[t]) for t in tags])
                tag_rows += 1 + len(tags)
            progress(quiet, "questions", lo + n, n_questions)

    a_bodies = BodyMaker(pool, ANSWER_BODY_CHARS, a_rng)
    with kaggle_csv(out / "Answers.csv", ["Id", "OwnerUserId", "CreationDate", "ParentId", "Score", "Body"]) as wa:
        for lo in range(0, n_answers, CHUNK):
            ids = aids[lo:lo + CHUNK]
            n = len(ids)
            wa.writerows(zip(ids.tolist(), owners(ids, 0.01, a_rng), creation_dates(ids).tolist(),
                             parent_ids[lo:lo + CHUNK].tolist(), scores(n, a_rng).tolist(), a_bodies.bodies(n)))
            progress(quiet, "answers", lo + n, n_answers)
    return {"tag_rows": tag_rows, "distinct_tags": len(used_tags) + (n_questions > 0), "vocabulary": len(vocab) + 1,
            "questions_with_answers": len(np.unique(parent_ids))}


def read_manifest(out: Path) -> dict | None:
    """Return the dump.json in ``out``, or None if missing or unreadable."""
    try:
        return json.loads((out / "dump.json").read_text())
    except (OSError, ValueError):
        return None


def is_current(out: Path, params: dict) -> bool:
    """True if ``out`` holds a complete dump generated with ``params``."""
    meta = read_manifest(out)
    if not meta or meta.get("params") != params:
        return False
    sizes = meta.get("files", {})
    return all((out / f).is_file() and (out / f).stat().st_size == sizes.get(f, {}).get("bytes") for f in FILES)


def ensure_dump(out: Path = DEFAULT_OUT, questions: int = FULL_QUESTIONS, answers: int = FULL_ANSWERS,
                seed: int = 0, scale: float = 1.0, datasets: Path = DEFAULT_DATASETS,
                force: bool = False, quiet: bool = False) -> dict:
    """Generate the dump into ``out`` unless an identical one is already there; return its dump.json."""
    out = Path(out)
    if out.resolve().is_relative_to(REPO):
        raise ValueError(f"{out}: the dump must not go into the repository ({REPO}); use a directory under /tmp")
    if not (Path(datasets) / "stackexchange-samples").is_dir():
        raise FileNotFoundError(f"{datasets}: no stackexchange-samples/ here; pass the shared datasets directory")
    params = {"version": VERSION, "questions": round(questions * scale), "answers": round(answers * scale),
              "seed": seed}
    if not force and is_current(out, params):
        if not quiet:
            print(f"reusing the dump in {out} (same parameters; --force regenerates)", file=sys.stderr)
        return read_manifest(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "dump.json").unlink(missing_ok=True)
    start = time.perf_counter()
    pool = load_pool(Path(datasets))
    counts = write_dump(out, params["questions"], params["answers"], seed, pool, quiet)
    meta = {
        "params": params,
        "format": "Kaggle 'Python Questions from Stack Overflow' (ISO-8859-1 CSV), synthetic",
        "generator": "bench/make_kaggle_dump.py",
        "seconds": round(time.perf_counter() - start, 1),
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "files": {f: {"bytes": (out / f).stat().st_size} for f in FILES},
        "total_bytes": sum((out / f).stat().st_size for f in FILES),
        "counts": {"questions": params["questions"], "answers": params["answers"], **counts},
        "real_text_pool": {"titles": len(pool.titles), "stackoverflow_bodies": len(pool.so_bodies),
                           "other_site_bodies": len(pool.other_bodies), "sources": pool.sources,
                           "datasets": str(datasets)},
        "latin1_replaced_in_pool": dict(pool.replaced.most_common(15)),
    }
    (out / "dump.json").write_text(json.dumps(meta, indent=2, ensure_ascii=True) + "\n")
    return meta


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0] + " Writes Questions.csv, Answers.csv, Tags.csv and dump.json "
        "into --out, reusing them when dump.json shows the same parameters.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output directory (never the repo)")
    parser.add_argument("--questions", type=int, default=FULL_QUESTIONS, help="questions at scale 1")
    parser.add_argument("--answers", type=int, default=FULL_ANSWERS, help="answers at scale 1")
    parser.add_argument("--scale", type=float, default=1.0,
                        help="multiplies both counts, e.g. 0.01 for a quick smoke run")
    parser.add_argument("--seed", type=int, default=0, help="random seed; same seed, same bytes")
    parser.add_argument("--datasets", type=Path, default=DEFAULT_DATASETS,
                        help="the shared real datasets (read only)")
    parser.add_argument("--force", action="store_true", help="regenerate even if a matching dump exists")
    parser.add_argument("--quiet", action="store_true", help="no progress output")
    args = parser.parse_args(argv)
    if args.scale <= 0 or args.questions < 1 or args.answers < 0:
        parser.error("--scale must be > 0, --questions >= 1 and --answers >= 0")
    try:
        meta = ensure_dump(args.out, args.questions, args.answers, args.seed, args.scale, args.datasets,
                           args.force, args.quiet)
    except (ValueError, FileNotFoundError) as err:
        parser.error(str(err))
    for name in FILES:
        print(f"{args.out / name}: {meta['files'][name]['bytes'] / 1e6:,.1f} MB")
    c = meta["counts"]
    print(f"total {meta['total_bytes'] / 1e9:.3f} GB; {c['questions']:,} questions, {c['answers']:,} answers, "
          f"{c['tag_rows']:,} tag rows, {c['distinct_tags']:,} distinct tags; generated in {meta['seconds']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
