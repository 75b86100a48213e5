"""The 2018 sample's reader puts back the newlines the 2018 script flattened into the letter ``n``."""

from __future__ import annotations

from conftest import PYQ_SAMPLE, prepare_ok, read_all

from multilabeltext.data.readers.sample_2018 import is_2018_sample, repair_flattened_newlines
from multilabeltext.data.tokenizer import tokenize

JUNK = {"nnclass", "pdnimport", "npnimport", "nimport", "nndef", "nnimport", "nfor", "ndf", "pandasn", "dfn"}


def test_prepare_repairs_the_2018_sample_and_keeps_its_rows(tmp_path):
    out = prepare_ok(PYQ_SAMPLE, tmp_path / "pyq", "--text-column", "clean", "--label-column", "Actual",
                     "--id-column", "ParentId")
    rows = read_all(out)
    assert len(rows) == 1000
    tokens = {t for text in rows["text"] for t in tokenize(text)}
    assert not tokens & JUNK
    assert {"import", "class", "def", "pandas", "pd", "none", "nan"} <= tokens  # real words survive
    first = rows.loc[rows["id"] == "40057001", "text"].iloc[0]
    assert "class Account(AbstractBaseUser):" in first and "Accountnn" not in first


def test_words_and_lone_variables_are_kept():
    words = ["for n in range(10): print(n)", "none of the nan values then", "isn't it", "import pandas as pd",
             "import numpy as np", "import os"]
    flat = ["import pandas as pdnimport numpy as npnnfor n in x:n    print(n)", "x = 1nimport os"]
    fixed, n = repair_flattened_newlines(words * 5 + flat * 5)
    assert fixed[:30] == words * 5
    assert fixed[30] == "import pandas as pd\nimport numpy as np\n\nfor n in x:\n    print(n)"
    assert fixed[31] == "x = 1\nimport os" and n == 5 * 5


def test_only_the_known_file_with_its_clean_column_is_repaired(tmp_path):
    other = tmp_path / "other.csv"
    other.write_text("text,tags\n\"pdnimport numpy\",\"['numpy']\"\n", encoding="utf-8")
    assert is_2018_sample(PYQ_SAMPLE) and is_2018_sample(PYQ_SAMPLE, ["clean"])
    assert not is_2018_sample(PYQ_SAMPLE, ["Predictions"]) and not is_2018_sample(other)
    rows = read_all(prepare_ok(other, tmp_path / "o", "--split", "none"))
    assert rows["text"].tolist() == ["pdnimport numpy"]
