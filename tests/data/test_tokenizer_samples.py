"""The fast tokenizer (``batch`` and the per-text path) gives exactly the plain regex's tokens on every line of every
sample, emoji apart."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from multilabeltext.config import TokenizerConfig
from multilabeltext.data.tokenizer import EMOJI_PATTERN, STOPWORDS, TOKEN_PATTERN, Tokenizer, clear_caches

DATASETS = Path(__file__).resolve().parents[2].parent / "shared" / "datasets"
SAMPLES = sorted(p for p in DATASETS.rglob("*") if p.is_file() and p.suffix in {".csv", ".tsv", ".txt", ".xml", ".id"})
SETTINGS = [TokenizerConfig(), TokenizerConfig(lowercase=False, remove_stopwords=False, min_length=2)]
EMOJI = re.compile(EMOJI_PATTERN)


def reference(text: str, config: TokenizerConfig) -> list[str]:
    """The tokenizer as it was before it was made fast (one regex findall over the text): no emoji tokens."""
    if not text:
        return []
    text = text.lower() if config.lowercase else text
    tokens = re.compile(TOKEN_PATTERN, 0 if config.lowercase else re.IGNORECASE).findall(text)
    if "'s" in text:
        tokens = [t[:-2] if t.endswith("'s") else t for t in tokens]
    stop = STOPWORDS if config.remove_stopwords else ()
    return [t for t in tokens if t not in stop and len(t) >= config.min_length]


def test_samples_found():
    assert len(SAMPLES) >= 10, f"expected the samples under {DATASETS}"


@pytest.mark.parametrize("config", SETTINGS, ids=["default", "cased-all-words-min2"])
def test_same_tokens_as_the_regex_on_every_sample(config, monkeypatch):
    """Each sample's lines go through ``batch`` (the C++ path every stage calls) in batches of 2,000, and each
    line through the per-text path too (``_tokenize``: not the recent-texts cache ``batch`` just filled)."""
    import multilabeltext.data.tokenizer as module

    monkeypatch.setattr(module, "_BATCH_MIN_CHARS", 0)  # the C++ path even for a short file's few lines
    clear_caches()
    tokenizer = Tokenizer(config)
    lines = checked = 0
    for path in SAMPLES:
        text = path.read_text(encoding="utf-8", errors="surrogateescape")
        all_lines = text.splitlines()
        for start in range(0, len(all_lines), 2_000):
            batch = all_lines[start:start + 2_000]
            for line, tokens in zip(batch, tokenizer.batch(batch), strict=True):
                lines += 1
                one = tokenizer._tokenize(line) if line else []
                without_emoji = [t for t in tokens if not EMOJI.fullmatch(t)]
                expected = reference(line, config)
                if tokens != one or without_emoji != expected:
                    raise AssertionError(f"{path.name}: {line[:200]!r}\n batch {tokens[:40]}\n per-text {one[:40]}"
                                         f"\n regex {expected[:40]}")
                checked += len(tokens)
    assert lines > 100_000 and checked > 1_000_000


@pytest.mark.parametrize("text, tokens", [
    ("😂😂😂", ["😂", "😂", "😂"]),
    ("so funny😂 right", ["funny", "😂", "right"]),
    ("thumbs 👍🏽 python", ["thumbs", "👍🏽", "python"]),  # a skin tone stays with its emoji
    ("family 👨\u200d👩\u200d👧 photo", ["family", "👨\u200d👩\u200d👧", "photo"]),  # one zero-width-joined sequence
    ("I ❤️ python", ["❤️", "python"]),
    ("the 🅱 button", ["🅱", "button"]),
    ("step ❶ then ①", ["step", "❶", "①"]),  # circled digits are word characters, as before
    ("c++ and c# on .net, python-3.x's __init__", ["c++", "c#", ".net", "python-3.x", "__init__"]),
    ("it's 'quoted' and don't... a.b.", ["quoted", "a.b"]),
    ("’smart quotes’ — dashes…", ["smart", "quotes", "dashes"]),
])
def test_emoji_and_names(text, tokens):
    assert Tokenizer()(text) == tokens


def test_lone_surrogate_and_cache_limit(monkeypatch):
    import multilabeltext.data.tokenizer as module

    tokenizer = Tokenizer()
    assert tokenizer("bad \udc80 byte") == ["bad", "byte"]
    monkeypatch.setattr(module, "_CACHE_LIMIT", 3)
    for word in ["alpha", "beta", "gamma", "delta", "epsilon"]:
        assert tokenizer(f"{word} x.y") == [word, "x.y"]
    assert len(tokenizer._pieces) <= 5


def test_remembered_words_give_the_same_tokens():
    from multilabeltext.data.tokenizer import clear_caches

    text = "The numpy arrays and the pandas frames, it's x.y and C++"
    config = TokenizerConfig(min_length=2)
    expected = reference(text, config)
    clear_caches()
    tokenizer = Tokenizer(config)
    tokenizer.remember(["numpy", "the", "x", "c++", "frames"])
    assert tokenizer(text) == expected == ["numpy", "arrays", "pandas", "frames", "x.y", "c++"]
