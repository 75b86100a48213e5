"""``Tokenizer.batch`` (the C++ path) gives exactly the per-text path's tokens on adversarial text, shares its caches
with the per-text path and with an ensemble's other members, and is safe to call from several threads."""

from __future__ import annotations

import random
import re
import threading

import pytest
from test_tokenizer_samples import reference

import multilabeltext.data.tokenizer as tokenizer_module
import multilabeltext.data.tokenizer_batch as batch_module
from multilabeltext.config import TokenizerConfig
from multilabeltext.data.tokenizer import EMOJI_PATTERN, TOKEN_PATTERN, Tokenizer, clear_caches
from multilabeltext.data.tokenizer_batch import ASCII_TOKEN_PATTERN

SETTINGS = [TokenizerConfig(), TokenizerConfig(lowercase=False, remove_stopwords=False, min_length=2),
            TokenizerConfig(remove_stopwords=False, min_length=3)]
IDS = ["default", "cased-all-words-min2", "all-words-min3"]
EMOJI = re.compile(EMOJI_PATTERN)

# what makes pieces and tokens: token characters, every kind of separator (ASCII controls that str.split treats as
# whitespace, NUL, Unicode spaces), non-ASCII letters whose lowercase changes length or is ASCII, emoji parts
ALPHABET = (list("abcxyzABCXYZ0189_.'+#-") * 4 + list(" \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x00\x7f!?,;:()<>[]{}/\\\"*=@$%^&|~`")
            + ["é", "É", "ß", "İ", "Σ", "ς", "\u212a", "ﬁ", "ǅ", "’", "—", "…", "\u00a0", "\u2003", "\u3000", "\x85",
               "\u2028", "\u200b", "①", "❶", "😂", "👍", "\U0001f3fd", "\u200d", "❤", "\ufe0f", "🇫", "🇷", "中", "й"])
WORDS = ["the", "The", "IS", "don't", "Don't", "it's", "NET's", ".NET's", "c++", "C#", "python-3.x", "__init__",
         "node.js", "a.b.", "'quoted'", "x86-64", "e.g.", "...", "--", "+#", "'s", "s'", "a's's", "won't", "ain"]


def adversarial_texts(rng: random.Random, n: int) -> list[str | None]:
    texts: list[str | None] = []
    for _ in range(n):
        kind = rng.random()
        if kind < 0.05:
            texts.append(rng.choice([None, "", " ", "\x00", "\x1c\x1d", "’", "😂", "a" * 5_000, "x." * 3_000]))
            continue
        parts = []
        for _ in range(rng.randint(1, 40)):
            if rng.random() < 0.4:
                parts.append(rng.choice(WORDS))
            else:
                parts.append("".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 12))))
            parts.append(rng.choice([" ", "", "\n", ", ", "\x1f"]))
        text = "".join(parts)
        texts.append(text if kind > 0.5 else text.encode("ascii", "ignore").decode())  # half pure ASCII
    return texts


def per_text(tokenizer: Tokenizer, text) -> list[str]:
    return tokenizer._tokenize(text) if text else []  # the per-text path itself, not the recent-texts cache


@pytest.fixture
def every_batch_in_cpp(monkeypatch):
    """However small the batch, ``batch`` takes the C++ path (by default a few short texts go text by text)."""
    monkeypatch.setattr(tokenizer_module, "_BATCH_MIN_CHARS", 0)


@pytest.mark.parametrize("config", SETTINGS, ids=IDS)
def test_batch_equals_the_per_text_path_and_the_regex(config, every_batch_in_cpp):
    rng = random.Random(17)
    clear_caches()
    tokenizer = Tokenizer(config)
    for size in (3_000, 1, 17, 200):  # mixed ASCII / non-ASCII texts in one batch
        texts = adversarial_texts(rng, size)
        got = tokenizer.batch(texts)
        assert len(got) == len(texts)
        for text, tokens in zip(texts, got):
            assert tokens == per_text(tokenizer, text), repr(text)
            assert [t for t in tokens if not EMOJI.fullmatch(t)] == reference(text, config), repr(text)


def test_named_cases_in_one_batch(every_batch_in_cpp):
    texts = ["How do I sort a dict in Python-3.x? I tried C++ and .NET's List<T>.", None, "", "Is it C#?",
             "so funny 😂😂 👍🏽", "A\x1cB\x1dC\x1eD\x1fE\x0bF\x00G", "café ☕ déjà-vu", "İstanbul ΣΊΣΥΦΟΣ", "’smart quotes’",
             "bad \udc80 byte", "x" * 10_000 + ".y", "the of and"] * 3
    got = Tokenizer().batch(texts)
    assert got[:12] == [["sort", "dict", "python-3.x", "tried", "c++", ".net", "list"], [], [], ["c#"],
                        ["funny", "😂", "😂", "👍🏽"], ["b", "c", "e", "f", "g"], ["café", "☕", "déjà-vu"],
                        ["stanbul", "σίσυφος"],  # İ lowercases to i + a combining dot; "i" is a stopword
                        ["smart", "quotes"], ["bad", "byte"], ["x" * 10_000 + ".y"], []]
    assert got[12:24] == got[:12] and got[24:] == got[:12]


def test_ascii_pattern_is_the_token_pattern_on_ascii():
    ascii_text = "".join(map(chr, range(128))) * 2 + " a.b c++ c# .net x-1 'a' _x_ .5 a..b a.-b ++a #a"
    assert re.findall(ASCII_TOKEN_PATTERN, ascii_text) == re.findall(TOKEN_PATTERN, ascii_text)


def test_lone_surrogates_take_the_per_text_path_in_a_batch(every_batch_in_cpp):
    texts = [f"word{i} \udc80 c++ \ud800x" if i % 7 == 0 else f"word{i} x.y" for i in range(40)]
    clear_caches()
    tokenizer = Tokenizer()
    assert tokenizer.batch(texts) == [per_text(tokenizer, t) for t in texts]


def test_large_batches_are_cut_and_give_the_same_tokens(monkeypatch):
    texts = [t for t in adversarial_texts(random.Random(3), 400) if t]
    clear_caches()
    whole = Tokenizer().batch(texts)
    monkeypatch.setattr(batch_module, "MAX_CHARS", 500)
    calls = []
    chunk = batch_module._chunk
    monkeypatch.setattr(batch_module, "_chunk", lambda tok, part: calls.append(len(part)) or chunk(tok, part))
    clear_caches()
    assert Tokenizer().batch(texts) == whole
    assert len(calls) > 10 and sum(calls) == len(texts)


def test_long_batches_are_split_between_two_threads_with_the_same_tokens(monkeypatch):
    texts = [t for t in adversarial_texts(random.Random(4), 400) if t]
    clear_caches()
    whole = Tokenizer().batch(texts)
    monkeypatch.setattr(batch_module, "PARALLEL_MIN_CHARS", 0)
    monkeypatch.setattr(batch_module, "resolve_jobs", lambda jobs: jobs)  # two threads even on a 1-core runner
    seen = []
    chunk = batch_module._chunk
    monkeypatch.setattr(batch_module, "_chunk", lambda tok, part: seen.append(
        (threading.current_thread().name, len(part))) or chunk(tok, part))
    clear_caches()
    assert Tokenizer().batch(texts) == whole
    assert len(seen) == 2 and sum(n for _, n in seen) == len(texts)
    assert all(name.startswith("tokenizer") for name, _ in seen)


def test_ensemble_members_tokenize_a_batch_once(monkeypatch, every_batch_in_cpp):
    """Two tokenizers with the same settings (an ensemble's members) share the recent texts: the second member's
    batch, and a per-text call, reuse the first's tokens; a caller changing its lists changes nobody else's."""
    texts = [f"numpy array {i} and C++ {i % 5}" for i in range(100)]
    clear_caches()
    calls = []
    token_lists = batch_module.token_lists
    monkeypatch.setattr(batch_module, "token_lists", lambda tok, part: calls.append(len(part)) or token_lists(tok, part))
    first, second = Tokenizer(), Tokenizer()
    tokens = first.batch(texts)
    tokens[0].append("changed")
    again = second.batch(texts)
    assert calls == [100]
    assert again[0] == ["numpy", "array", "0", "c++", "0"] and first(texts[0]) == again[0]
    assert again == [per_text(first, t) for t in texts]
    assert Tokenizer(TokenizerConfig(min_length=2)).batch(texts)[0] == ["numpy", "array", "c++"]  # other settings
    assert calls == [100, 100]


def test_batch_fills_the_shared_piece_cache_for_non_ascii_pieces(every_batch_in_cpp):
    clear_caches()
    tokenizer = Tokenizer()
    tokenizer.batch([f"café {i} naïve x.y" for i in range(50)])
    assert tokenizer._pieces["café"] == ("café",) and tokenizer._pieces["naïve"] == ("naïve",)
    assert "x.y" not in tokenizer._pieces  # ASCII pieces are worked out in C++, not remembered one by one


def test_batch_from_several_threads(every_batch_in_cpp):
    texts = [t for t in adversarial_texts(random.Random(5), 600) if t]
    clear_caches()
    expected = [per_text(Tokenizer(), t) for t in texts]
    results, errors = {}, []

    def run(k):
        try:
            clear_caches() if k == 0 else None
            results[k] = Tokenizer().batch(texts[k * 50:] + texts[:k * 50])
        except Exception as error:  # noqa: BLE001 (reported below)
            errors.append(error)

    threads = [threading.Thread(target=run, args=(k,)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    for k, got in results.items():
        assert got == expected[k * 50:] + expected[:k * 50]


def test_a_few_short_texts_go_text_by_text(monkeypatch):
    calls = []
    monkeypatch.setattr(batch_module, "token_lists", lambda tok, part: calls.append(len(part)))
    clear_caches()
    assert Tokenizer().batch(["C++ and .NET's List<T>", "numpy arrays"]) == [["c++", ".net", "list"], ["numpy", "arrays"]]
    assert calls == []


def test_the_first_batch_does_not_import_pandas():
    """pyarrow's ``pa.array``, ``to_numpy`` and Python-scalar arguments import pandas on first use (~0.3 s)."""
    import subprocess
    import sys

    code = ("import sys; from multilabeltext.data.tokenizer import Tokenizer; before = 'pandas' in sys.modules; "
            "tokens = Tokenizer().batch(['C++ and .NET\\'s List<T> ' * 2000, 'café a\\u00a0b x.y ' * 2000]); "
            "assert tokens[0][:3] == ['c++', '.net', 'list'] and tokens[1][:3] == ['café', 'b', 'x.y'], tokens; "
            "print(before, 'pandas' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    before, after = done.stdout.split()
    assert after == before, "the first batch imported pandas"
