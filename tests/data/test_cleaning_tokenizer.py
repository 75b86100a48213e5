"""HTML cleaning and the shared tokenizer."""

from __future__ import annotations

import pickle
import re
import xml.etree.ElementTree as ET

import pytest
from conftest import BEER_XML, FIRST_POSTS_XML

from multilabeltext.config import TokenizerConfig
from multilabeltext.data.cleaning import clean_texts, html_to_text, normalize_space
from multilabeltext.data.tokenizer import STOPWORDS, Tokenizer, tokenize

# ------------------------------------------------------------------------------------------ cleaning


def test_entities_are_decoded():
    text = html_to_text("<p>a &lt;b&gt; &amp; &quot;c&quot; &#39;d&#39; &#x27;e&#x27; caf&eacute;&nbsp;au&nbsp;lait</p>")
    assert text == "a <b> & \"c\" 'd' 'e' café au lait"


def test_tags_removed_and_blocks_separated():
    assert html_to_text("<p>one</p><p>two</p><ul><li>x</li><li>y</li></ul>") == "one two x y"
    assert html_to_text("first<br>second") == "first second"
    assert html_to_text("<p>  lots \n\n of\t space </p>") == "lots of space"


@pytest.mark.parametrize("value", [None, ""])
def test_empty_html(value):
    assert html_to_text(value) == ""


def test_plain_text_with_angle_brackets_is_kept():
    assert html_to_text("x < y and y > z") == "x < y and y > z"


HTML = "<p>Use <code>np.where</code> here:</p><pre><code>x = 1\ny = 2\n</code></pre><p>done</p>"


def test_code_blocks_kept_by_default():
    assert html_to_text(HTML) == "Use np.where here: x = 1 y = 2 done"


def test_drop_code_removes_pre_blocks_but_keeps_inline_code():
    assert html_to_text(HTML, drop_code=True) == "Use np.where here: done"


def test_drop_code_on_a_real_post():
    """The first Stack Overflow question has a <pre> listing and inline <code> names."""
    body = next(el.attrib["Body"] for el in ET.parse(FIRST_POSTS_XML).getroot() if el.attrib["Id"] == "4")
    kept = html_to_text(body)
    dropped = html_to_text(body, drop_code=True)
    assert "trackBar1.Value / 5000" in kept
    assert "trackBar1.Value" not in dropped
    assert "'decimal'" in dropped and "trans" in dropped  # inline <code> stays


def test_real_bodies_leave_no_markup():
    bodies = [el.attrib["Body"] for el in ET.parse(BEER_XML).getroot() if el.attrib.get("Body")][:300]
    for text in clean_texts(bodies, html=True):
        assert not re.search(r"</?(p|a|strong|em|code|pre|blockquote|ul|li|br)\b", text)
        assert "&lt;" not in text and "&amp;" not in text and "&#xA;" not in text
        assert text == text.strip() and "  " not in text and "\n" not in text


def test_clean_texts_without_html_only_normalizes_space():
    assert clean_texts(["<b>a</b>  b", None, " x < y \n"], html=False) == ["<b>a</b> b", "", "x < y"]
    assert normalize_space("  a\n\n b\t") == "a b"


def test_normalize_space_collapses_exactly_what_re_calls_whitespace():
    """Every code point: one that re's \\s matches is collapsed like a space, any other is kept."""
    spaces = re.compile(r"\s+")
    for code in range(0x110000):
        c = chr(code)
        text = f" a{c}{c}b{c}"
        assert normalize_space(text) == spaces.sub(" ", text).strip(), hex(code)


# ----------------------------------------------------------------------------------------- tokenizer


@pytest.mark.parametrize("name", ["c++", "c#", ".net", "node.js", "python-3.x", "asp.net", "f#", "__init__",
                                  "x86-64", "python-2.7"])
def test_programming_names_survive(name):
    assert name in tokenize(f"I tried {name.upper() if name.isascii() else name}, then {name}.")


def test_tokenize_sentence():
    tokens = tokenize("How do I sort a dict in Python-3.x? I tried C++ and .NET's List<T>, and Node.js.")
    assert tokens == ["sort", "dict", "python-3.x", "tried", "c++", ".net", "list", "node.js"]


def test_stopwords_dropped_by_default_and_kept_on_request():
    text = "Is it the best of all the ways to do this?"
    assert tokenize(text) == ["best", "ways"]
    assert Tokenizer(TokenizerConfig(remove_stopwords=False))(text) == [
        "is", "it", "the", "best", "of", "all", "the", "ways", "to", "do", "this"]
    assert {"the", "is", "of", "don't", "and"} <= STOPWORDS


def test_lowercase_and_min_length_options():
    assert tokenize("NumPy Arrays") == ["numpy", "arrays"]
    assert Tokenizer(TokenizerConfig(lowercase=False, remove_stopwords=False))("NumPy Arrays") == ["NumPy", "Arrays"]
    assert Tokenizer(TokenizerConfig(min_length=3))("R and C are in x86 go") == ["x86"]
    assert "r" in tokenize("plots in R") and "c" in tokenize("pointers in C")


@pytest.mark.parametrize("value", [None, "", "   ", "?!"])
def test_empty_texts_give_no_tokens(value):
    assert tokenize(value) == []


def test_tokenizer_pickles_and_batches():
    tok = Tokenizer(TokenizerConfig(remove_stopwords=False, min_length=2))
    clone = pickle.loads(pickle.dumps(tok))
    texts = ["The C# compiler", "a pandas DataFrame in Python-3.x"]
    assert clone.config == tok.config
    assert clone.batch(texts) == tok.batch(texts) == [["the", "c#", "compiler"], ["pandas", "dataframe", "in",
                                                                                   "python-3.x"]]
