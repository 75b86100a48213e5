"""Compressed, archived and binary inputs say what they are and what to do; a Posts.xml without line breaks
reads (issue 13, 'wrong or silent answers')."""

from __future__ import annotations

import bz2
import gzip
import os

import pytest
from conftest import BEER_XML, SO_TITLES, describe, prepare_ok, read_manifest_json, run_cli


def assert_told(result, *words):
    info = describe(result)
    assert result.exit_code == 2 and "Traceback" not in result.output, info
    for w in words:
        assert w in result.stderr, info
    assert "--encoding" not in result.stderr and "--format" not in result.stderr, info


@pytest.mark.parametrize("name, pack, words", [
    ("Posts.xml.gz", gzip.compress, ["gzip-compressed", "gunzip -k"]),
    ("data.csv.bz2", bz2.compress, ["bzip2-compressed", "bunzip2 -k"]),
    ("titles.tsv", gzip.compress, ["gzip-compressed"]),  # whatever the name says
])
def test_compressed_files_say_how_to_decompress(tmp_path, name, pack, words):
    path = tmp_path / name
    path.write_bytes(pack(BEER_XML.read_bytes()[:100_000]))
    assert_told(run_cli("prepare", path, "--out", tmp_path / "ds", "--jobs", "1"), *words, str(path))


def test_a_7z_dump_says_how_to_extract(tmp_path):
    path = tmp_path / "beer.stackexchange.com.7z"
    path.write_bytes(b"7z\xbc\xaf\x27\x1c\x00\x04" + os.urandom(2000))
    assert_told(run_cli("prepare", path, "--out", tmp_path / "ds", "--jobs", "1"), "7-Zip", "7z x", "Posts.xml")


@pytest.mark.parametrize("name", ["junk.csv", "junk.xml", "junk.jsonl"])
def test_random_bytes_are_called_binary(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(bytes(range(256)) * 64)
    assert_told(run_cli("prepare", path, "--out", tmp_path / "ds", "--jobs", "1"), "binary data")


def test_text_files_still_read(tmp_path):
    prepare_ok(SO_TITLES, tmp_path / "so", "--text-column", "title", "--label-column", "tags", "--top-n", "5")


def test_posts_xml_without_line_breaks(tmp_path):
    one_line = tmp_path / "Posts.xml"
    text = BEER_XML.read_text(encoding="utf-8")
    one_line.write_text("".join(line.strip() for line in text.splitlines()), encoding="utf-8")
    out = prepare_ok(one_line, tmp_path / "flat")
    reference = prepare_ok(BEER_XML, tmp_path / "beer")
    flat, ref = read_manifest_json(out)["counts"], read_manifest_json(reference)["counts"]
    for key in ("questions_read", "answers_read", "other_posts", "kept"):
        assert flat[key] == ref[key], (key, flat, ref)
