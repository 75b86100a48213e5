"""Every example in the package's docstrings runs (``--doctest-modules``): none is marked to be skipped.

An example that needs a server, Spark or a trained model directory is written as a literal block (``::``),
which says so, instead of a ``>>>`` example that can never run.
"""

from __future__ import annotations

import ast
import doctest
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "multilabeltext"
MODULES = sorted(PACKAGE.rglob("*.py"))


def docstrings(path: Path):
    """(line, docstring) of the module and of every class and function in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in [tree, *ast.walk(tree)]:
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            text = ast.get_docstring(node, clean=False)
            if text:
                yield getattr(node, "lineno", 1), text


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_no_docstring_example_is_skipped(path):
    parser = doctest.DocTestParser()
    skipped = []
    for line, text in docstrings(path):
        for example in parser.get_examples(text):
            if example.options.get(doctest.SKIP):
                skipped.append(f"{path.name}:{line}: {example.source.strip()}")
    assert not skipped, "examples that never run (make them run on small data, or write a literal block):\n" + \
        "\n".join(skipped)


def test_the_check_finds_a_skipped_example(tmp_path):
    module = tmp_path / "m.py"
    module.write_text('"""Doc.\n\n    >>> 1 + 1  # doctest: +SKIP\n    2\n"""\n')
    examples = [e for _, text in docstrings(module) for e in doctest.DocTestParser().get_examples(text)]
    assert examples and examples[0].options.get(doctest.SKIP)
