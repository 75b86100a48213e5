r"""The one tokenizer every stage shares: prepare, Word2Vec, models, predict, serve and the dashboard.

Tokens keep the characters that make programming names: ``c++``, ``c#``, ``.net``, ``node.js``,
``python-3.x``, ``__init__``; each emoji (with its skin-tone modifiers and zero-width-joiner sequence) is a
token of its own. Stopwords (NLTK's English list, built in) are optional.

Speed: a Python regex ``findall`` costs about half a microsecond per token, and a 2,000-character question
holds ~300 of them, which capped the tokenizer at ~3,900 texts/s. Here the text is split in C: as UTF-8
bytes, every ASCII character that cannot be part of a token becomes a space (``bytes.translate``), and
``str.split`` cuts the rest. A piece made only of letters and digits (most of them) *is* a token; the
others (``c++``, ``don't``, ``array.``, a word next to ``’`` or an emoji) go through the regex, which on a
piece gives exactly what it gives inside the whole text (no token crosses a character outside
``[\w.'+#-]``). Each distinct piece's tokens are computed once and remembered, and so are the tokens of
the last 4,096 texts, shared by every tokenizer with the same settings: the members of an ensemble
tokenize a batch once between them. That per-text path still spends ~80 us on a question in Python
objects (a string per piece, a dict lookup each), so :meth:`Tokenizer.batch` (what the stages call on a
batch of at least ``_BATCH_MIN_CHARS`` characters of new text) does the same in C++ through
``pyarrow.compute`` (``tokenizer_batch.py``): one buffer for the batch, split and dictionary-encoded, each
distinct piece worked out once, the lists gathered with NumPy; the same tokens, the same caches.
Measured by ``bench/bench_speed.py --sections tokenizer`` (``bench/results/speed-tokenizer.json``), caches
cleared, on the 1,000 pythonquestions texts (1,956 characters): 20,700 texts per CPU second for ``batch``
(best of 9; the runs 18,900-20,700) against 8,900 text by text, and 16,200/s wall at load 13.6 on 2 cores;
on the 50,498 so-titles titles, 227,000 against 175,000 per CPU second. The first batch of a process also
imports ``pyarrow.compute`` (~0.1 CPU s). ``tests/data/test_tokenizer_samples.py`` checks both paths give
the plain regex's tokens on every line of every sample under ``../shared/datasets``.

Example:
    >>> tokenize("How do I sort a dict in Python-3.x? I tried C++ and .NET's List<T>.")
    ['sort', 'dict', 'python-3.x', 'tried', 'c++', '.net', 'list']
    >>> Tokenizer(TokenizerConfig(remove_stopwords=False))("Is it C#?")
    ['is', 'it', 'c#']
    >>> tokenize("so funny 😂😂 👍🏽")
    ['funny', '😂', '😂', '👍🏽']
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from itertools import chain

from ..config import TokenizerConfig

# A word, with inner '.', '-', "'" or '+' joining word parts, optional trailing '+'/'#' (c++, c#), or '.net'-like.
TOKEN_PATTERN = r"\.?[^\W_]\w*(?:[.'+-]\w+)*[+#]*|_\w+"

# Emoji: pictographs, symbols and dingbats (those that are not word characters: a circled digit stays a word),
# regional-indicator flags; each with its variation selector / skin tone / tag characters, and sequences
# joined by U+200D (zero-width joiner) as one token.
_EMOJI_RANGES = ((0x231A, 0x23FF), (0x2600, 0x27BF), (0x2B00, 0x2BFF), (0x1F000, 0x1FAFF))
_EMOJI_MODIFIERS = "\ufe0f\U0001f3fb-\U0001f3ff\U000e0020-\U000e007f"


def _char_class(ranges) -> str:
    """A regex character class of the non-word characters (not ``\\w``) in ``ranges``."""
    chars = [c for low, high in ranges for c in range(low, high + 1) if not chr(c).isalnum()]
    spans, start = [], chars[0]
    for prev, c in zip(chars, chars[1:] + [None]):
        if c != prev + 1:
            spans.append(chr(start) if start == prev else f"{chr(start)}-{chr(prev)}")
            start = c
    return "[" + "".join(spans) + "]"


_EMOJI = _char_class(_EMOJI_RANGES)
EMOJI_PATTERN = f"{_EMOJI}[{_EMOJI_MODIFIERS}]*(?:\u200d{_EMOJI}[{_EMOJI_MODIFIERS}]*)*"

# ASCII characters that can be part of a token; every other ASCII byte splits the text (see the module docstring)
_TOKEN_ASCII = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.'+#-")
_SPLIT_ASCII = bytes(c if c in _TOKEN_ASCII or c >= 0x80 else 0x20 for c in range(256))
_BATCH_ASCII_LOWER = bytes(_SPLIT_ASCII[c + 32] if 65 <= c <= 90 else _SPLIT_ASCII[c] for c in range(256))  # A-Z -> a-z too

# NLTK's English stopword list (the tutorial used it; its corpus download is not available offline).
STOPWORDS = frozenset("""
i me my myself we our ours ourselves you you're you've you'll you'd your yours yourself yourselves he him
his himself she she's her hers herself it it's its itself they them their theirs themselves what which who
whom this that that'll these those am is are was were be been being have has had having do does did doing a
an the and but if or because as until while of at by for with about against between into through during
before after above below to from up down in out on off over under again further then once here there when
where why how all any both each few more most other some such no nor not only own same so than too very s t
can will just don don't should should've now d ll m o re ve y ain aren aren't couldn couldn't didn didn't
doesn doesn't hadn hadn't hasn hasn't haven haven't isn isn't ma mightn mightn't mustn mustn't needn needn't
shan shan't shouldn shouldn't wasn wasn't weren weren't won won't wouldn wouldn't
""".split())


class Tokenizer:
    """Callable tokenizer built from a :class:`TokenizerConfig`; pickles cheaply for worker processes.

    Example:
        >>> Tokenizer().batch(["numpy arrays", "The pandas DataFrame"])
        [['numpy', 'arrays'], ['pandas', 'dataframe']]
    """

    def __init__(self, config: TokenizerConfig | None = None):
        self.config = config or TokenizerConfig()
        flags = re.IGNORECASE if not self.config.lowercase else 0
        self._findall = re.compile(f"{TOKEN_PATTERN}|{EMOJI_PATTERN}", flags).findall
        self._stop = STOPWORDS if self.config.remove_stopwords else frozenset()
        self._batch_table = _BATCH_ASCII_LOWER if self.config.lowercase else _SPLIT_ASCII
        shared = _SHARED.get(self.config)
        if shared is None:  # tokenizers with the same settings share what they learned (ensemble members)
            shared = _SHARED[self.config] = (_PieceTokens(self), {})
        self._pieces, self._recent = shared

    def __call__(self, text: str | None) -> list[str]:
        if not text:
            return []
        recent = self._recent
        tokens = recent.get(text)
        if tokens is not None:  # the same text again (the next ensemble member): a copy, callers may change it
            return list(tokens)
        tokens = self._tokenize(text)
        self._remember_text(text, tokens)
        return list(tokens)

    def _remember_text(self, text: str, tokens: list[str]) -> None:
        recent = self._recent
        if len(recent) >= _RECENT_TEXTS:
            try:
                del recent[next(iter(recent))]  # the oldest
            except (KeyError, RuntimeError, StopIteration):  # another thread got there first
                pass
        recent[text] = tokens

    def _tokenize(self, text: str) -> list[str]:
        if self.config.lowercase:
            text = text.lower()
        pieces = text.encode("utf-8", "surrogatepass").translate(_SPLIT_ASCII).decode("utf-8", "surrogatepass").split()
        tokens_of = self._pieces
        if len(tokens_of) > _CACHE_LIMIT:
            tokens_of.clear()
        # each piece's tokens, computed once per distinct piece and then looked up; the loop runs in C
        return list(chain.from_iterable(map(tokens_of.__getitem__, pieces)))

    def remember(self, words) -> None:
        """Learn in advance the pieces that are plain words (a loaded model's vocabulary), so the first texts
        a freshly loaded model scores do not pay for working them out; their tokens are what they would be."""
        pieces = self._pieces
        for word in words:
            if len(pieces) >= _CACHE_LIMIT:
                break
            if word not in pieces and word.isalnum():
                pieces[word] = () if word in self._stop or len(word) < self.config.min_length else (word,)

    def piece_tokens(self, piece: str) -> tuple[str, ...]:
        """The tokens of one piece of a text (the characters between two separators), stopwords removed."""
        if piece.isalnum():
            tokens = (piece,)
        else:
            word = piece.rstrip(".'-").lstrip("'+#-")  # never part of a token there (see the module docstring)
            # a trailing possessive "'s" is noise: "NET's" -> "net"
            tokens = (word,) if word.isalnum() else [t[:-2] if t.endswith("'s") else t for t in self._findall(word)]
        shortest, stop = self.config.min_length, self._stop
        return tuple(t for t in tokens if t not in stop and len(t) >= shortest)

    def batch(self, texts: Iterable[str | None]) -> list[list[str]]:
        """Tokenize a batch of texts (the pure batch function later stages and engines call): the same tokens
        as calling the tokenizer on each, computed in C++ for batches of more than a few new texts."""
        texts = texts if isinstance(texts, list) else list(texts)
        out: list = [None] * len(texts)
        recent = self._recent
        new_at, new = [], []
        for i, text in enumerate(texts):
            if not text or not isinstance(text, str):
                out[i] = self(text)  # [] for None / "", and whatever the per-text path does with a non-text
                continue
            tokens = recent.get(text)
            if tokens is None:
                new_at.append(i)
                new.append(text)
            else:  # seen lately (the previous member of an ensemble): a copy, callers may change it
                out[i] = list(tokens)
        if not new or sum(map(len, new)) < _BATCH_MIN_CHARS:
            for i, text in zip(new_at, new):
                out[i] = self(text)
            return out
        from .tokenizer_batch import token_lists

        for i, text, tokens in zip(new_at, new, token_lists(self, new)):
            self._remember_text(text, tokens)
            out[i] = list(tokens)
        return out

    def __reduce__(self):
        return (Tokenizer, (self.config,))


class _PieceTokens(dict):
    """piece -> its tokens, filled on first sight of each distinct piece (a text repeats most of its words)."""

    def __init__(self, tokenizer: Tokenizer):
        super().__init__()
        self._compute, self._stop, self._shortest = tokenizer.piece_tokens, tokenizer._stop, tokenizer.config.min_length

    def __missing__(self, piece: str) -> tuple[str, ...]:
        if piece.isalnum() and len(piece) >= self._shortest:  # most pieces: a word, or a stopword
            tokens = self[piece] = () if piece in self._stop else (piece,)
        else:
            tokens = self[piece] = self._compute(piece)
        return tokens


_CACHE_LIMIT = 200_000  # distinct pieces remembered per tokenizer settings (~30 MB); then it starts again
# characters of new texts from which batch() takes the C++ path: below, Arrow's fixed ~0.4 ms per batch (some
# 30 calls) is more than the per-text path costs (measured: 8 questions of 2,000 characters, ~300 titles)
_BATCH_MIN_CHARS = 20_000
_RECENT_TEXTS = 4_096  # texts whose tokens are remembered (an ensemble's members tokenize a batch once)
_SHARED: dict[TokenizerConfig, tuple[_PieceTokens, dict[str, list[str]]]] = {}


def clear_caches() -> None:
    """Forget every remembered piece and text (for timing the tokenizer cold)."""
    for pieces, recent in _SHARED.values():
        pieces.clear()
        recent.clear()


def tokenize(text: str | None, config: TokenizerConfig | None = None) -> list[str]:
    """Tokenize one text with the default (or given) settings."""
    return Tokenizer(config)(text)
