"""How far can averaging these members go? The tuned ensemble, the best weights in hindsight, the top-1 errors.

Reads the scores ``bench_models.py --save-scores DIR`` saved for one protocol split and reports, on its test
part:

* each member alone and the ensemble exactly as ``EnsembleModel`` builds it (weights from
  :func:`multilabeltext.models.ensemble.tune_weights` on the members' held-out validation scores), each under
  ``multilabeltext train``'s default decision rule tuned on the model's own tuning rows: the benchmark's
  numbers, recomputed from the saved scores;
* a **ceiling**: the best micro-F1 and the best P@1 any weighting on the same grid reaches when it is chosen
  on the *test* rows themselves (thresholds too). No model can claim these figures; they bound what tuning
  the weights better could give these members;
* the tuned ensemble's top-1 mistakes: how many, how often the gold tag was its second guess, and the most
  frequent (predicted, gold) pairs.

Example::

    .venv/bin/python bench/bench_models.py --datasets so-titles --peers none --save-scores /tmp/scores
    .venv/bin/python bench/ensemble_ceiling.py /tmp/scores/so-titles/test --members linear,mlp,lstm

Results are printed and saved as JSON (default ``bench/results/ensemble-ceiling-<dataset>.json``).
"""

from __future__ import annotations

import argparse
import collections
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.dont_write_bytecode = True
import bench_models  # noqa: E402  (next to this file: the benchmark's decision rules)

REPO = bench_models.REPO


def load_scores(directory: Path, members: list[str]) -> dict:
    """The split's label matrices and labels, and each member's validation / test / tuning scores."""
    missing = [m for m in members if not (directory / f"{m}.test.npy").exists()]
    if missing or not (directory / "Y_test.npy").exists():
        raise SystemExit(f"{directory}: no saved scores for {missing or 'the split'}; run bench_models.py with "
                         f"--save-scores (and these models) first.")
    labels = json.loads((directory / "labels.json").read_text(encoding="utf-8"))
    out = {"Y_validation": np.load(directory / "Y_validation.npy"), "Y_test": np.load(directory / "Y_test.npy"),
           "labels": labels["labels"] + labels["test_only"], "members": {}}
    for m in members:
        scores = {"validation": np.load(directory / f"{m}.validation.npy"), "test": np.load(directory / f"{m}.test.npy")}
        if (directory / f"{m}.tuning_Y.npy").exists():  # a cross-fitted model tunes on every train row's score
            scores["tuning"] = (np.load(directory / f"{m}.tuning_Y.npy"), np.load(directory / f"{m}.tuning_proba.npy"))
        out["members"][m] = scores
    return out


def decide_and_score(Y_tune, proba_tune, Y_test, proba_test) -> dict:
    """``multilabeltext train``'s default rule tuned on (Y_tune, proba_tune) as the benchmark tunes it, applied
    to the test scores."""
    from multilabeltext import core

    rule, options = bench_models.TRAIN_RULE
    labels = Y_tune.shape[1]  # the saved test scores are padded with 0 for test-only tags: the model has fewer
    metrics, _ = core.score(bench_models.decide(Y_tune, proba_tune, options), Y_test, proba_test[:, :labels])
    return {"micro_f1": round(metrics["micro_f1"], 4), "p_at_1": round(metrics["p_at_1"], 4),
            "rule": bench_models.rule_label(rule)}


def ceiling(probas_test: list[np.ndarray], Y_test: np.ndarray, step: float) -> dict:
    """Best micro-F1 (at its best global threshold, min 1 tag) and best P@1 over the weight grid, chosen on test."""
    from multilabeltext.metrics import evaluate
    from multilabeltext.models.ensemble import simplex_grid
    from multilabeltext.thresholds import Thresholds

    best_f1, best_p1 = (-1.0, None), (-1.0, None)
    rows = np.arange(len(Y_test))
    for w in simplex_grid(len(probas_test), step):
        proba = sum(wi * p for wi, p in zip(w, probas_test))
        p1 = float(Y_test[rows, proba.argmax(axis=1)].mean())
        th = Thresholds.fit(Y_test, proba, method="global", min_tags=1)
        f1 = evaluate(Y_test, th.decide(proba), proba)["micro_f1"]
        best_f1 = max(best_f1, (f1, w.round(3).tolist()), key=lambda b: b[0])
        best_p1 = max(best_p1, (p1, w.round(3).tolist()), key=lambda b: b[0])
    return {"micro_f1": round(best_f1[0], 4), "micro_f1_weights": best_f1[1],
            "p_at_1": round(best_p1[0], 4), "p_at_1_weights": best_p1[1], "grid_step": step}


def top1_errors(proba: np.ndarray, Y: np.ndarray, labels: list[str], top: int = 15) -> dict:
    """Rows whose best-scored tag is wrong: count, gold tag second-ranked share, frequent (predicted, gold) pairs."""
    order = np.argsort(-proba, axis=1)[:, :2]
    wrong = np.flatnonzero(Y[np.arange(len(Y)), order[:, 0]] == 0)
    pairs = collections.Counter()
    for i in wrong:
        gold = " + ".join(labels[j] for j in np.flatnonzero(Y[i]))
        pairs[(labels[order[i, 0]], gold)] += 1
    return {"rows": int(len(Y)), "wrong_top1": int(len(wrong)),
            "gold_tag_ranked_second": round(float(Y[wrong, order[wrong, 1]].mean()) if len(wrong) else 0.0, 4),
            "most_frequent": [{"predicted": p, "gold": g, "rows": n} for (p, g), n in pairs.most_common(top)]}


def analyse(scores: dict, members: list[str]) -> dict:
    from multilabeltext.models.ensemble import EnsembleConfig, tune_weights

    Y_val, Y_test = scores["Y_validation"].astype(np.float32), scores["Y_test"]
    result = {"members": {}}
    for m in members:
        s = scores["members"][m]
        Y_tune, proba_tune = s.get("tuning", (Y_val, s["validation"]))
        result["members"][m] = decide_and_score(Y_tune, proba_tune, Y_test, s["test"])
    config = EnsembleConfig()
    step = config.grid_step(len(members))
    weights = tune_weights([scores["members"][m]["validation"] for m in members], Y_val, step,
                           config.weight_resamples, config.seed, rule=bench_models.TRAIN_RULE[1])
    weights = weights / weights.sum()
    val = sum(w * scores["members"][m]["validation"] for w, m in zip(weights, members))
    test = sum(w * scores["members"][m]["test"] for w, m in zip(weights, members))
    result["ensemble"] = {"weights": dict(zip(members, weights.round(4).tolist())),
                          **decide_and_score(Y_val, val, Y_test, test)}
    result["ceiling_chosen_on_test"] = ceiling([scores["members"][m]["test"] for m in members], Y_test, step)
    result["ensemble_top1_errors"] = top1_errors(test, Y_test, scores["labels"])
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scores", type=Path, help="DIR/<dataset>/<split> written by bench_models.py --save-scores")
    parser.add_argument("--members", default="linear,mlp,lstm", help="saved runs to average (default linear,mlp,lstm)")
    parser.add_argument("--out", type=Path, help="JSON file (default bench/results/ensemble-ceiling-<dataset>.json)")
    args = parser.parse_args(argv)
    members = [m.strip() for m in args.members.split(",") if m.strip()]
    if len(members) < 2:
        parser.error("--members needs at least two saved runs")
    started = time.perf_counter()
    result = {"scores": str(args.scores), "dataset": args.scores.parent.name, "split": args.scores.name,
              "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
              **analyse(load_scores(args.scores, members), members)}
    result["seconds"] = round(time.perf_counter() - started, 1)
    for m, r in result["members"].items():
        print(f"{m:<10} micro-F1 {r['micro_f1']:.4f}  P@1 {r['p_at_1']:.4f}  ({r['rule']})")
    e, c = result["ensemble"], result["ceiling_chosen_on_test"]
    print(f"{'ensemble':<10} micro-F1 {e['micro_f1']:.4f}  P@1 {e['p_at_1']:.4f}  weights {e['weights']}")
    print(f"ceiling (weights chosen on test): micro-F1 {c['micro_f1']:.4f} at {c['micro_f1_weights']}, "
          f"P@1 {c['p_at_1']:.4f} at {c['p_at_1_weights']}")
    err = result["ensemble_top1_errors"]
    print(f"ensemble top-1 wrong on {err['wrong_top1']:,} of {err['rows']:,} rows; the gold tag was second in "
          f"{err['gold_tag_ranked_second']:.0%} of them. Most frequent (predicted -> gold):")
    for p in err["most_frequent"]:
        print(f"  {p['rows']:>4}  {p['predicted']} -> {p['gold']}")
    out = args.out or REPO / "bench" / "results" / f"ensemble-ceiling-{result['dataset']}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(f"saved {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
