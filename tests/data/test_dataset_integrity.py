"""A folder given to prepare reads what it holds or stops and lists it; a dataset's files are checked against
the manifest's hashes before training (issue 13)."""

from __future__ import annotations

import shutil

from conftest import BEER_XML, SAMPLES, describe, prepare_ok, read_manifest_json, run_cli


def test_a_dump_directory_with_posts_xml_reads_it_and_says_so(tmp_path):
    dump = tmp_path / "beer.stackexchange.com"
    dump.mkdir()
    shutil.copy(BEER_XML, dump / "Posts.xml")
    (dump / "Users.xml").write_text("<users/>")  # the rest of an extracted dump is not data to read
    result = run_cli("prepare", dump, "--out", tmp_path / "ds", "--jobs", "1")
    assert result.exit_code == 0, describe(result)
    assert "as posts-xml: Posts.xml" in result.stderr
    assert read_manifest_json(tmp_path / "ds")["counts"]["questions_read"] == 454


def test_a_directory_of_several_formats_stops_and_lists_them(tmp_path):
    result = run_cli("prepare", SAMPLES, "--out", tmp_path / "ds", "--jobs", "1")
    assert result.exit_code == 2, describe(result)
    for name in ("so_top100_YasirSyed_Questions.csv", "movies_se_RafaelRon_Posts.csv", "several formats"):
        assert name in result.stderr, describe(result)
    assert not (tmp_path / "ds").exists()


def test_a_swapped_split_file_is_refused_before_training(tmp_path):
    beer = prepare_ok(BEER_XML, tmp_path / "beer", "--top-n", "5")
    other = prepare_ok(BEER_XML, tmp_path / "other", "--top-n", "5", "--seed", "7")
    shutil.copy(other / "train.parquet", beer / "train.parquet")
    result = run_cli("train", beer, "--out", tmp_path / "m", "--quiet")
    assert result.exit_code == 2, describe(result)
    assert "train.parquet is not the file prepare wrote" in result.stderr and "Fix:" in result.stderr
    assert not (tmp_path / "m").exists()
