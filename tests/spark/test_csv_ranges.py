"""Large CSV files cut into record-aligned byte ranges, one Spark task each (``spark/csv_ranges.py``).

The cut must never fall inside a quoted field, whatever the range size: the ranges' records, in order, are
the embedded reader's records. Through Spark: any range size gives the same dataset byte for byte, a
skipped row is named with the embedded engine's file:line, and undecodable bytes stop with its message.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from conftest import (
    HISTORY_CSV,
    MOVIES_CSV,
    YASIR_QUESTIONS,
    describe,
    prepare_ok,
    read_manifest_json,
    read_split,
    run_cli,
)
from spark_session import spark  # noqa: F401  (the shared session fixture)

from multilabeltext.data.readers.base import ReadStats, csv_batches, read_header
from multilabeltext.spark import csv_ranges
from multilabeltext.spark.csv_ranges import line_at, read_range, record_ranges, splittable

TRICKY_ROWS = [
    ["1", "plain", "one line"],
    ["2", 'quoted "word"', 'a body\nwith "quotes"\n3,"looks like a record",x\n'],
    ["3", "", "\n\n\n"],
    ["4", "crlf", "windows\r\nline ends\r\n"],
    ["5", '"', '""'],
    ["6", "caf\xe9", "last, with a comma"],
]


def write_tricky(path: Path, copies: int = 5, encoding: str = "utf-8") -> list[list[str]]:
    rows = [[f"{k}{r[0]}", *r[1:]] for k in range(copies) for r in TRICKY_ROWS]
    with open(path, "w", encoding=encoding, newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["Id", "Title", "Body"])
        writer.writerows(rows)
    return rows


def ranged_records(path: Path, target: int, encoding: str = "utf-8") -> list[list[str]]:
    header = read_header(path, encoding)
    out = []
    for start, end in record_ranges(str(path), target):
        for frame in read_range(str(path), start, end, header, encoding=encoding):
            assert frame[csv_ranges.BAD_WHY].isna().all()
            out += frame[header].values.tolist()
    return out


@pytest.mark.parametrize("encoding", ["utf-8", "latin-1"])
def test_every_range_size_gives_the_files_records_in_order(tmp_path, encoding):
    path = tmp_path / "tricky.csv"
    rows = write_tricky(path, encoding=encoding)
    size = path.stat().st_size
    for target in [1, 2, 3, 7, 20, 64, 150, size // 2, size, size * 2]:
        ranges = record_ranges(str(path), target)
        assert ranges[0][0] == 0 and ranges[-1][1] == size
        assert all(a[1] == b[0] for a, b in zip(ranges, ranges[1:])), ranges
        assert ranged_records(path, target, encoding) == rows, target


def test_ranges_agree_with_the_embedded_reader_on_real_exports():
    for path in (HISTORY_CSV, MOVIES_CSV, YASIR_QUESTIONS):
        header = read_header(path, "utf-8")
        expected = []
        for frame, _ in csv_batches(path, header, encoding="utf-8", stats=ReadStats(), strict=False):
            expected += frame[header].values.tolist()
        target = max(path.stat().st_size // 9, 1)
        assert len(record_ranges(str(path), target)) >= 5, path
        assert ranged_records(path, target) == expected, path.name


def test_a_skipped_row_is_reported_with_the_line_it_starts_on(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text('Id,Title,Body\n1,a,"x\ny"\n2,b\n3,c,z\n', encoding="utf-8")
    frames = [f for s, e in record_ranges(str(path), 4) for f in read_range(str(path), s, e, ["Id", "Title", "Body"])]
    bad = [(w, o) for f in frames for w, o in zip(f[csv_ranges.BAD_WHY], f[csv_ranges.BAD_OFFSET]) if w is not None]
    assert [(w, line_at(str(path), o)) for w, o in bad] == [("expected 3 fields, found 2", 4)]
    good = [i for f in frames for i, w in zip(f["Id"], f[csv_ranges.BAD_WHY]) if w is None]
    assert good == ["1", "3"]


def test_frames_hold_rows_per_frame_rows_and_the_same_records(tmp_path):
    """Tags.csv's narrow rows come in 16x longer frames (``readers.narrowness``); the records stay the same."""
    from multilabeltext.spark.readers import narrowness

    path = tmp_path / "tags.csv"
    path.write_text("Id,Tag\n" + "".join(f"{i},t{i}\n" for i in range(10)), encoding="utf-8")
    size = path.stat().st_size
    small = list(read_range(str(path), 0, size, ["Id", "Tag"], rows_per_frame=4))
    assert [len(f) for f in small] == [4, 4, 2]
    default = list(read_range(str(path), 0, size, ["Id", "Tag"]))
    assert [len(f) for f in default] == [10]
    assert [i for f in small for i in f["Id"]] == [i for f in default for i in f["Id"]] == [str(i) for i in range(10)]
    assert (narrowness("kt"), narrowness("kr"), narrowness("ka")) == (16, 16, 1)


def test_only_byte_compatible_local_files_are_cut():
    assert splittable("Questions.csv", "iso-8859-1") and splittable("a.csv", "us-ascii") and splittable("a", "cp1252")
    assert not splittable("a.csv", "utf-16") and not splittable("hdfs://nn/a.csv", "utf-8")
    assert not splittable("a.csv", "no-such-codec")


# ------------------------------------------------------------------------------------------ through Spark


def spark_prepare(*args):
    return run_cli("prepare", *args, "--quiet", "--engine", "spark", "--force")


@pytest.mark.spark
def test_small_ranges_give_the_same_dataset_byte_for_byte(spark, tmp_path, monkeypatch):  # noqa: F811
    default = tmp_path / "default"
    assert spark_prepare(HISTORY_CSV, "--out", default, "--top-n", "10").exit_code == 0
    monkeypatch.setattr(csv_ranges, "RANGE_BYTES", 128 << 10)  # the 3.4 MB export in ~27 tasks (4 KB: 840, 155 s)
    many = tmp_path / "many"
    result = spark_prepare(HISTORY_CSV, "--out", many, "--top-n", "10")
    assert result.exit_code == 0, describe(result)
    for s in ("train", "validation", "test"):
        assert read_split(many, s).equals(read_split(default, s)), s
    assert read_manifest_json(many)["counts"] == read_manifest_json(default)["counts"]


@pytest.mark.spark
def test_skipped_rows_named_like_the_embedded_engine(spark, tmp_path, monkeypatch):  # noqa: F811
    lines = MOVIES_CSV.read_text(encoding="utf-8").splitlines(keepends=True)
    header = next(csv.reader(io.StringIO(lines[0])))
    bad = tmp_path / "Posts.csv"
    broken = ",".join(["99999"] * (len(header) + 2)) + "\n"  # two fields too many, outside any quotes
    bad.write_text("".join(lines[:40]) + broken + "".join(lines[40:]), encoding="utf-8")
    monkeypatch.setattr(csv_ranges, "RANGE_BYTES", 16 << 10)  # the broken row (at 31.7 KB) in the second range
    embedded = prepare_ok([bad], tmp_path / "e", "--top-n", "10")
    on_spark = tmp_path / "s"
    result = spark_prepare(bad, "--out", on_spark, "--top-n", "10")
    assert result.exit_code == 0, describe(result)
    ce, cs = read_manifest_json(embedded)["counts"], read_manifest_json(on_spark)["counts"]
    assert cs["malformed"] == ce["malformed"] >= 1
    assert cs["malformed_examples"] == ce["malformed_examples"]
    assert cs["malformed_examples"][0].startswith("Posts.csv:") and "fields" in cs["malformed_examples"][0]


@pytest.mark.spark
def test_undecodable_bytes_stop_with_the_embedded_message(spark, tmp_path, monkeypatch):  # noqa: F811
    data = MOVIES_CSV.read_bytes()
    at = data.index(b"\n", len(data) // 2) + 1
    header = read_header(MOVIES_CSV, "utf-8")
    row = [b"1"] * len(header)
    row[header.index("Body")] = b"\xff\xfe broken"  # a column both engines read (the others are not decoded)
    bad = tmp_path / "Posts.csv"
    bad.write_bytes(data[:at] + b",".join(row) + b"\n" + data[at:])
    monkeypatch.setattr(csv_ranges, "RANGE_BYTES", 8192)
    embedded = run_cli("prepare", bad, "--out", tmp_path / "e", "--quiet", "--top-n", "10")
    result = spark_prepare(bad, "--out", tmp_path / "s", "--top-n", "10")
    assert embedded.exit_code == result.exit_code == 2, describe(result)
    assert "Traceback" not in result.output and "at org.apache" not in result.output
    line = data[:at].count(b"\n") + 1
    assert f"Posts.csv:{line}: cannot decode the file as utf-8" in result.stderr, describe(result)
    assert f"Posts.csv:{line}:" in embedded.stderr, describe(embedded)
    assert not (tmp_path / "s").exists()


def test_an_undecodable_byte_raises_with_its_offset_in_the_range(tmp_path):
    """A range in another encoding is transcoded in one piece; a byte the codec lacks (0x81 in cp1252) raises
    ``UnicodeDecodeError`` whose ``start`` is its offset in the range, which the task turns into a line."""
    path = tmp_path / "q.csv"
    body = "Id,Body\n" + "".join(f'{i},"café {i}\nline two"\n' for i in range(200))
    data = body.encode("cp1252")
    bad = data.index("café 50".encode("cp1252")) + 3  # the é of row 50
    path.write_bytes(data[:bad] + b"\x81" + data[bad + 1:])
    (start, end), *_ = record_ranges(str(path), 1 << 20)
    with pytest.raises(UnicodeDecodeError) as caught:
        list(read_range(str(path), start, end, ["Id", "Body"], encoding="cp1252"))
    assert start + caught.value.start == bad
    frames = list(read_range(str(path), start, end, ["Id", "Body"], encoding="latin-1"))
    assert sum(len(f) for f in frames) == 200 and frames[0]["Body"][1] == "café 1\nline two"
