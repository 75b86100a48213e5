"""Draw ``flow.png``, the pipeline diagram, from the package itself.

The boxes list the files each directory format documents (the ``DIR/...`` lines of the ``data.dataset``,
``embeddings`` and ``modeldir`` module docstrings); the arrows are the CLI commands registered on the app
(``prepare``, ``word2vec``, ``train``), and every other registered command appears as a reader of the model
directory. A command missing from the CLI fails the script rather than drawing a stale picture.

Example:
    .venv/bin/python scripts/make_flow.py            # writes flow.png at the repository root
    .venv/bin/python scripts/make_flow.py --out /tmp/flow.png
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CHAIN = ("prepare", "word2vec", "train")  # the commands that make each box from the previous one
READERS_ORDER = ("evaluate", "predict", "report", "dashboard", "serve")  # shown first, in this order


def documented_files(module) -> list[str]:
    """The ``DIR/name`` entries of a module docstring's layout block, in order."""
    seen = dict.fromkeys(m.group(1) for m in re.finditer(r"DIR/(\S+)", module.__doc__ or ""))
    return list(seen)


def stages() -> tuple[list[dict], list[str]]:
    """The boxes (title, subtitle, files) and the commands that read model directories, from the package."""
    from multilabeltext import embeddings, modeldir
    from multilabeltext.cli import app
    from multilabeltext.data import dataset

    commands = [c.name for c in app.registered_commands]
    missing = [c for c in CHAIN if c not in commands]
    if missing:
        raise SystemExit(f"the CLI has no {', '.join(missing)} command: update CHAIN in {__file__}")
    boxes = [
        {"title": "raw dump", "sub": "Kaggle CSVs, Posts.xml,\nSEDE CSV, fastText,\nCSV / JSONL / Parquet", "files": []},
        {"title": "dataset dir", "sub": "data/NAME", "files": documented_files(dataset)},
        {"title": "vectors", "sub": "Word2Vec (skip-gram)", "files": documented_files(embeddings)},
        {"title": "model dir", "sub": "models/NAME", "files": documented_files(modeldir)},
    ]
    readers = [c for c in READERS_ORDER if c in commands]
    readers += sorted(c for c in commands if c not in CHAIN and c not in readers)
    return boxes, readers


def draw(out: Path) -> Path:
    """Draw the diagram with matplotlib and save it as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    boxes, readers = stages()
    width, gap, top = 2.6, 1.25, 5.2
    fig, ax = plt.subplots(figsize=(16, 4.8), dpi=110)
    ax.set_xlim(-0.3, len(boxes) * (width + gap) + 2.6)
    ax.set_ylim(0.9, 6.3)
    ax.axis("off")
    colours = ["#eeeeee", "#dbe9f6", "#e3f1dc", "#fde7cf"]
    for i, box in enumerate(boxes):
        x = i * (width + gap)
        sub_lines = box["sub"].count("\n") + 1
        height = 1.0 + 0.3 * sub_lines + 0.32 * len(box["files"])
        y = top - height
        ax.add_patch(FancyBboxPatch((x, y), width, height, boxstyle="round,pad=0.05,rounding_size=0.15",
                                    fc=colours[i], ec="#555", lw=1.2))
        ax.text(x + width / 2, top - 0.3, box["title"], ha="center", va="center", fontsize=13, weight="bold")
        ax.text(x + width / 2, top - 0.75, box["sub"], ha="center", va="top", fontsize=9, color="#444")
        for k, name in enumerate(box["files"]):
            ax.text(x + 0.15, top - 0.9 - 0.3 * (sub_lines - 1) - 0.32 * (k + 1), name, fontsize=9,
                    family="monospace", va="center")
        box["mid"] = (x, x + width, top - 0.55)
        if i:
            prev = boxes[i - 1]["mid"]
            ax.add_patch(FancyArrowPatch((prev[1] + 0.08, prev[2]), (x - 0.08, prev[2]), arrowstyle="-|>",
                                         mutation_scale=18, lw=1.6, color="#222"))
            ax.text((prev[1] + x) / 2, prev[2] + 0.2, CHAIN[i - 1], ha="center", fontsize=11, family="monospace",
                    weight="bold", color="#1f4e99")
    x_model = boxes[-1]["mid"][1]
    rx = x_model + 1.0
    for k, name in enumerate(readers):
        y = top - 0.35 - 0.62 * k
        ax.add_patch(FancyArrowPatch((x_model + 0.08, boxes[-1]["mid"][2]), (rx - 0.05, y), arrowstyle="-|>",
                                     mutation_scale=14, lw=1.1, color="#555", connectionstyle="arc3,rad=-0.1"))
        ax.add_patch(FancyBboxPatch((rx, y - 0.22), 1.5, 0.44, boxstyle="round,pad=0.03,rounding_size=0.1",
                                    fc="#f6e3f3", ec="#555", lw=1))
        ax.text(rx + 0.75, y, name, ha="center", va="center", fontsize=11, family="monospace", weight="bold",
                color="#1f4e99")
    ax.text(0, 6.05, "multilabeltext: one library function and one CLI command per arrow "
            "(multilabeltext COMMAND --help)", fontsize=13, weight="bold")
    ax.text(0, 1.1, "Each box is a directory with a documented, versioned format, written atomically; "
            "any stage can be rerun or replaced on its own.  Generated by scripts/make_flow.py from the package.",
            fontsize=9, color="#555")
    fig.savefig(out, bbox_inches="tight", facecolor="white")
    plt.close(fig)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Draw flow.png, the pipeline diagram, from the package.")
    parser.add_argument("--out", type=Path, default=REPO / "flow.png", help="PNG file to write [flow.png]")
    args = parser.parse_args(argv)
    print(f"wrote {draw(args.out)}")


if __name__ == "__main__":
    main()
