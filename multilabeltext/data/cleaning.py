"""HTML to plain text, fast (lexbor via selectolax), as pure functions over batches of strings.

Example:
    >>> html_to_text("<p>Use <code>df.groupby</code> &amp; sum</p><pre><code>x = 1</code></pre>")
    'Use df.groupby & sum x = 1'
    >>> html_to_text("<p>Use <code>df.groupby</code></p><pre><code>x = 1</code></pre>", drop_code=True)
    'Use df.groupby'
"""

from __future__ import annotations

from collections.abc import Iterable


def normalize_space(text: str) -> str:
    """Collapse runs of whitespace to one space and strip the ends.

    ``str.split()`` splits on the characters ``str.isspace()`` accepts, the same set as ``re``'s ``\\s`` (every
    code point checked, ``tests/data/test_cleaning_tokenizer.py``), so this is ``re.sub(r"\\s+", " ", text).strip()``
    at 2.7x its speed (20,000 Stack Overflow bodies: 0.26 s against 0.71 s).

    Example:
        >>> normalize_space("  a\\n\\n b\\t")
        'a b'
    """
    return " ".join(text.split())


def html_to_text(html: str | None, *, drop_code: bool = False) -> str:
    """Visible text of an HTML fragment, whitespace normalized; ``<pre>`` blocks removed if ``drop_code``.

    Inline ``<code>`` is kept even with ``drop_code``: it is usually a name (``numpy.where``) that says a
    lot about the tags, while ``<pre>`` blocks are whole listings.
    """
    if not html:
        return ""
    if "<" not in html and "&" not in html:
        return normalize_space(html)
    from selectolax.lexbor import LexborHTMLParser

    tree = LexborHTMLParser(html)
    if drop_code:
        for node in tree.css("pre"):
            node.decompose()
    root = tree.body or tree.root
    if root is None:
        return ""
    return normalize_space(root.text(separator=" "))


def clean_texts(texts: Iterable[str | None], *, html: bool = True, drop_code: bool = False) -> list[str]:
    """Clean a batch of texts: HTML to text if ``html``, else only whitespace normalization.

    Example:
        >>> clean_texts(["<b>a</b>  b", None, "x < y"], html=False)
        ['<b>a</b> b', '', 'x < y']
    """
    if html:
        return [html_to_text(t, drop_code=drop_code) for t in texts]
    return [normalize_space(t) if t else "" for t in texts]
