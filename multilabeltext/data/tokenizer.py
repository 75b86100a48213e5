"""The one tokenizer every stage shares: prepare, Word2Vec, models, predict, serve and the dashboard.

Tokens keep the characters that make programming names: ``c++``, ``c#``, ``.net``, ``node.js``,
``python-3.x``, ``__init__``. Stopwords (NLTK's English list, built in) are optional.

Example:
    >>> tokenize("How do I sort a dict in Python-3.x? I tried C++ and .NET's List<T>.")
    ['sort', 'dict', 'python-3.x', 'tried', 'c++', '.net', 'list']
    >>> Tokenizer(TokenizerConfig(remove_stopwords=False))("Is it C#?")
    ['is', 'it', 'c#']
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ..config import TokenizerConfig

# A word, with inner '.', '-', "'" or '+' joining word parts, optional trailing '+'/'#' (c++, c#), or '.net'-like.
TOKEN_PATTERN = r"\.?[^\W_]\w*(?:[.'+-]\w+)*[+#]*|_\w+"

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
        self._pattern = re.compile(TOKEN_PATTERN, flags)

    def __call__(self, text: str | None) -> list[str]:
        if not text:
            return []
        cfg = self.config
        text = text.lower() if cfg.lowercase else text
        tokens = self._pattern.findall(text)
        if "'s" in text:  # a trailing possessive "'s" is noise: "NET's" -> "net"
            tokens = [t[:-2] if t.endswith("'s") else t for t in tokens]
        if cfg.remove_stopwords or cfg.min_length > 1:
            stop, shortest = STOPWORDS if cfg.remove_stopwords else (), cfg.min_length
            tokens = [t for t in tokens if t not in stop and len(t) >= shortest]
        return tokens

    def batch(self, texts: Iterable[str | None]) -> list[list[str]]:
        """Tokenize a batch of texts (the pure batch function later stages and engines call)."""
        return [self(t) for t in texts]

    def __reduce__(self):
        return (Tokenizer, (self.config,))


def tokenize(text: str | None, config: TokenizerConfig | None = None) -> list[str]:
    """Tokenize one text with the default (or given) settings."""
    return Tokenizer(config)(text)
