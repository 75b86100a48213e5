"""Readable summaries printed by the CLI (rich tables on stdout)."""

from __future__ import annotations

MAX_LABEL_ROWS = 25


def print_prepare_summary(result) -> None:
    """Rows read / kept / dropped and why, split sizes, and label counts per split."""
    from rich.console import Console
    from rich.table import Table

    from .progress import plain

    c = result.counts
    console = Console()
    rows = Table(title=f"Prepared {plain(result.out)}", show_header=True, header_style="bold")
    rows.add_column("rows")
    rows.add_column("count", justify="right")
    rows.add_row("questions read", f"{c.get('questions_read', 0):,}")
    if c.get("answers_read"):
        rows.add_row("answers read", f"{c['answers_read']:,}")
        rows.add_row("  joined to a kept question", f"{c.get('answers_joined', 0):,}")
    for key, label in (("other_posts", "other post types skipped"), ("malformed", "malformed rows skipped"),
                       ("duplicates", "dropped: duplicate question"),
                       ("duplicates_of_a_later_split", "dropped: copy of a validation/test row"),
                       ("empty_text", "dropped: empty text"),
                       ("no_kept_tag", "dropped: none of the kept tags")):
        if c.get(key):
            rows.add_row(label, f"{c[key]:,}")
    rows.add_row("[bold]kept[/bold]", f"[bold]{c['kept']:,}[/bold]")
    for split, n in c["splits"].items():
        carved = c.get("validation_carved_from_train") if split == "validation" else None
        rows.add_row(f"  {split}" + (" (carved from train)" if carved else ""), f"{n:,}")
    console.print(rows)
    for example in c.get("malformed_examples", []):
        console.print(f"  [yellow]skipped[/yellow] {plain(example)}")
    for problem, n in (c.get("label_problems") or {}).items():
        console.print(f"  [yellow]warning[/yellow] {n:,} label cell(s): {plain(problem)}")
    if c.get("repeated_ids"):
        console.print(f"  [yellow]warning[/yellow] {c['repeated_ids']:,} row(s) repeat the id of an earlier row "
                      "(ids should be unique; check --id-column)")

    labels = Table(title=f"{c['labels']} tags kept" + (f" (top {MAX_LABEL_ROWS} shown)"
                                                       if c["labels"] > MAX_LABEL_ROWS else ""),
                   header_style="bold")
    for col in ("tag", "questions", "train", "validation", "test"):
        labels.add_column(col, justify="left" if col == "tag" else "right")
    for row in result.manifest["labels"][:MAX_LABEL_ROWS]:
        labels.add_row(plain(row["tag"]), f"{row['count']:,}", f"{row['train']:,}", f"{row['validation']:,}",
                       f"{row['test']:,}")
    console.print(labels)
    console.print(f"Dataset written to [bold]{plain(result.out)}[/bold] (manifest.json, labels.json, "
                  f"train/validation/test.parquet)")
