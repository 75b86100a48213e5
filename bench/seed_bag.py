"""What averaging one model's scores over several seeds gives, from runs saved by ``bench_models.py --save-scores``.

Each ``SCORES`` directory is one run of the same model and data with another ``--params MODEL:seed=S`` (and the
same vectors and validation slice). For every split (e.g. each pyq fold) and every seed: test micro-F1 and P@1
under ``train``'s default decision rule, tuned on that seed's validation scores; then the same for the average
of the first 1, 2, ..., N seeds' scores (the rule tuned on their averaged validation scores). Means over the
splits, printed and saved as JSON.

    .venv/bin/python bench/seed_bag.py /tmp/scores-13 /tmp/scores-14 /tmp/scores-15 --model lstm --dataset pyq \\
        --out bench/results/lstm-pyq-seed-bag.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.dont_write_bytecode = True
from ensemble_ceiling import decide_and_score, load_scores  # noqa: E402  (next to this file: the saved scores' reader)


def bag(runs: list[Path], model: str, dataset: str) -> dict:
    """Per split: each seed's figures and the figures of the first k seeds' averaged scores, k = 1..N."""
    splits = sorted(p.name for p in (runs[0] / dataset).iterdir() if (p / f"{model}.test.npy").exists())
    if not splits:
        raise SystemExit(f"no {model}.test.npy under {runs[0] / dataset}: run bench_models.py with --save-scores.")
    out = {"model": model, "dataset": dataset, "runs": [str(r) for r in runs], "splits": {}}
    for split in splits:
        saved = [load_scores(r / dataset / split, [model]) for r in runs]
        Y_val, Y_test = saved[0]["Y_validation"], saved[0]["Y_test"]
        for run, s in zip(runs[1:], saved[1:]):  # the same rows in every run, or the average means nothing
            if not (np.array_equal(s["Y_validation"], Y_val) and np.array_equal(s["Y_test"], Y_test)):
                raise SystemExit(f"{run / dataset / split} holds other rows than {runs[0] / dataset / split}: "
                                 "use the same split and --seed.")
        val = [s["members"][model]["validation"] for s in saved]
        test = [s["members"][model]["test"] for s in saved]
        out["splits"][split] = {
            "per_seed": [decide_and_score(Y_val, v, Y_test, t) for v, t in zip(val, test)],
            "averaged_first_k": [decide_and_score(Y_val, np.mean(val[:k], axis=0), Y_test, np.mean(test[:k], axis=0))
                                 for k in range(1, len(runs) + 1)]}
    rows = list(out["splits"].values())

    def mean(column: str, metric: str) -> list[float]:
        """Each entry of ``column`` (one per seed, or per k), its ``metric`` averaged over the splits."""
        return [round(float(np.mean([r[column][i][metric] for r in rows])), 4) for i in range(len(runs))]

    out["mean_over_splits"] = {"per_seed_micro_f1": mean("per_seed", "micro_f1"),
                               "averaged_first_k_micro_f1": mean("averaged_first_k", "micro_f1"),
                               "averaged_first_k_p_at_1": mean("averaged_first_k", "p_at_1")}
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scores", nargs="+", type=Path, help="one --save-scores directory per seed, in order")
    parser.add_argument("--model", default="lstm")
    parser.add_argument("--dataset", default="pyq")
    parser.add_argument("--out", type=Path, help="JSON file (default: print only)")
    args = parser.parse_args(argv)
    result = bag(args.scores, args.model, args.dataset)
    for split, r in result["splits"].items():
        seeds = " ".join(f"{f['micro_f1']:.3f}" for f in r["per_seed"])
        print(f"{split}: seeds {seeds}; averaged {r['averaged_first_k'][-1]['micro_f1']:.3f}")
    m = result["mean_over_splits"]
    print("mean over splits, each seed:", " ".join(f"{x:.4f}" for x in m["per_seed_micro_f1"]))
    print("mean over splits, first k seeds averaged:", " ".join(f"{x:.4f}" for x in m["averaged_first_k_micro_f1"]))
    if args.out:
        args.out.write_text(json.dumps(result, indent=1) + "\n")
        print(f"saved {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
