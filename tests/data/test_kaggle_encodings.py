"""The Kaggle reader detects the encoding of each file on its own (issue 13): an ASCII-only Questions.csv says
nothing about a latin-1 Answers.csv (which failed at Answers.csv:20)."""

from __future__ import annotations

import csv

from conftest import prepare_ok, read_all, read_manifest_json


def write(path, header, rows, encoding):
    with open(path, "w", encoding=encoding, newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)


def test_ascii_questions_with_latin1_answers(tmp_path):
    d = tmp_path / "dump"
    d.mkdir()
    questions = [(str(i), "1", "2016-01-01T00:00:00Z", "1", f"Question {i} about lists", f"<p>Body {i}</p>")
                 for i in range(1, 30)]
    answers = [(str(1000 + i), "2", "2016-01-01T00:00:00Z", str(i), "1", f"<p>Réponse {i}: voilà</p>")
               for i in range(1, 30)]
    write(d / "Questions.csv", ["Id", "OwnerUserId", "CreationDate", "Score", "Title", "Body"], questions, "ascii")
    write(d / "Answers.csv", ["Id", "OwnerUserId", "CreationDate", "ParentId", "Score", "Body"], answers,
          "iso-8859-1")
    write(d / "Tags.csv", ["Id", "Tag"], [(str(i), "python" if i % 2 else "lists") for i in range(1, 30)], "ascii")
    out = prepare_ok(d / "Questions.csv", tmp_path / "ds", "--split", "none")
    texts = dict(zip(read_all(out)["id"], read_all(out)["text"]))
    assert "Réponse 20: voilà" in texts["20"]
    assert read_manifest_json(out)["counts"]["answers_joined"] == 29
