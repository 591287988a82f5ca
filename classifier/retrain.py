"""Retraining from staff's reviews: a challenger on seed + gold, promoted only if it is not worse.

    retrain(seed, gold_rows, incumbent) -> Outcome(report, model)

The challenger is measured against the model in use (the incumbent) on gold
labels the incumbent never trained on ("new" gold): scoring it on items it
learnt from would flatter it. With fewer than `kfold_below` new labels the
comparison is k-fold (each fold predicted by a challenger trained without
it, so every new label counts once); with more, the newest share is held
out, which also asks whether the challenger copes with what comes next.

"Worse" is one number: the mean, over the dimensions the held-out gold can
measure, of the macro-F1s (relevance, purpose, themes, kind). The challenger
is promoted unless its mean is below the incumbent's by more than
`tolerance`; a tie promotes it, since it has learnt from more labels. The
model saved in either case is the challenger's recipe refitted on seed +
all gold (the held-out share included).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
from sklearn.model_selection import KFold

from classifier.config import DEFAULT, ModelConfig
from classifier.data import Example, load_examples
from classifier.evaluate import DIMENSIONS, as_item, evaluate, score_predictions
from classifier.gold import GoldExample, gold_examples
from classifier.model import DEFAULT_DATA, labelled_extra_files, train


@dataclass(frozen=True)
class Policy:
    min_new_gold: int = 10  # below this, a difference between two models is noise
    kfold_below: int = 100
    folds: int = 5
    held_out_share: float = 0.2
    tolerance: float = 0.01


@dataclass(frozen=True)
class Seed:
    """The labelled items every model starts from, and the settings to train on them."""

    examples: list[Example]
    config: ModelConfig
    description: dict


def seed_set(path: Path | None = None, config: ModelConfig = DEFAULT) -> Seed:
    """train.jsonl (or `path`) when present; else the labelled extras become the measured seed.

    A deployment without the shared data still has the extras that ship in
    the package: they are then the items measured rather than added to every
    fold, so they are not counted twice.
    """
    path = Path(path) if path else DEFAULT_DATA
    if path.is_file():
        examples = load_examples(path)
        return Seed(examples, config, {"file": path.name, "n_examples": len(examples)})
    examples = [ex for f in labelled_extra_files() for ex in load_examples(f)]
    return Seed(examples, replace(config, labelled_extras=False),
                {"file": None, "absent": str(path), "n_examples": len(examples), "from": "labelled extras"})


@dataclass(frozen=True)
class RetrainReport:
    status: str  # cold-start | no-new-gold | too-few-new-gold | promoted | kept
    message: str
    incumbent: str
    challenger: str | None = None
    seed: dict = field(default_factory=dict)
    gold: dict = field(default_factory=dict)
    evaluation: dict = field(default_factory=dict)
    created: str = ""
    duration: float = 0.0
    notes: tuple[str, ...] = ()  # what the caller adds (e.g. a model_path that overrides the promotion)

    @property
    def promoted(self) -> bool:
        return self.status == "promoted"

    def to_json(self) -> dict:
        return {
            "status": self.status, "promoted": self.promoted, "message": self.message,
            "incumbent": self.incumbent, "challenger": self.challenger, "seed": self.seed,
            "gold": self.gold, "evaluation": self.evaluation, "created": self.created,
            "duration": round(self.duration, 1), "notes": list(self.notes),
        }


@dataclass
class Outcome:
    report: RetrainReport
    model: object | None = None  # the challenger refitted on seed + all gold; None when none was trained


def retrain(seed: Seed, gold_rows: list[dict], incumbent, *, policy: Policy = Policy(),
            random_seed: int = 0) -> Outcome:
    started = time.perf_counter()
    gold, skipped = gold_examples(gold_rows)
    seen = set((incumbent.metadata.get("gold") or {}).get("ids", []))
    new = [g for g in gold if g.example.id not in seen]
    counts = {"total": len(gold), "already_learnt": len(gold) - len(new), "new": len(new),
              "skipped": len(skipped), "skipped_rows": skipped[:20], "corrected": _corrected(gold)}
    report = RetrainReport(status="", message="", incumbent=incumbent.version, seed=seed.description,
                           gold=counts, created=datetime.now(timezone.utc).isoformat(timespec="seconds"))
    waiting = _nothing_to_do(gold, new, incumbent.version, policy)
    if waiting:
        return Outcome(replace(report, status=waiting[0], message=waiting[1],
                               duration=time.perf_counter() - started))
    evaluation = _compare(seed, gold, new, incumbent, policy, random_seed)
    model = train(seed.examples + [g.example for g in gold], config=seed.config, seed=random_seed)
    model.metadata["gold"] = {"n_examples": len(gold), "ids": sorted(g.example.id for g in gold)}
    promoted = evaluation["mean"]["challenger"] >= evaluation["mean"]["incumbent"] - policy.tolerance
    report = replace(report, status="promoted" if promoted else "kept", challenger=model.version,
                     evaluation=evaluation, message=_verdict(promoted, model.version, incumbent.version, evaluation),
                     duration=time.perf_counter() - started)
    model.metadata["retrain"] = {"status": report.status, "message": report.message,
                                 "evaluation": {k: v for k, v in evaluation.items() if k != "metrics"}}
    return Outcome(report, model)


def _nothing_to_do(gold, new, version: str, policy: Policy) -> tuple[str, str] | None:
    if not gold:
        return "cold-start", f"no gold labels yet: {version} keeps serving"
    if not new:
        return "no-new-gold", f"all {len(gold)} gold labels were learnt by {version} already: nothing new to learn"
    if len(new) < policy.min_new_gold:
        return "too-few-new-gold", (f"{len(new)} new gold labels since {version}: {policy.min_new_gold} are needed "
                                    "to tell a better model from noise; they wait for the next retrain")
    return None


def _compare(seed: Seed, gold: list[GoldExample], new: list[GoldExample], incumbent,
             policy: Policy, random_seed: int) -> dict:
    """Incumbent and challenger on the same held-out new gold labels."""
    tests, method = _held_out(len(new), policy, random_seed)
    new_ids = {g.example.id for g in new}
    learnt = [g.example for g in gold if g.example.id not in new_ids]
    held, predicted = [], []
    for test in tests:
        rest = np.setdiff1d(np.arange(len(new)), test)
        challenger = train(seed.examples + learnt + [new[i].example for i in rest],
                           config=seed.config, seed=random_seed)
        examples = [new[i].example for i in test]
        held += examples
        predicted += challenger.predict([as_item(ex, n) for n, ex in enumerate(examples)])
    return _figures(evaluate(incumbent, held), score_predictions(held, predicted), method, len(held), policy)


def _held_out(n: int, policy: Policy, random_seed: int) -> tuple[list[np.ndarray], str]:
    if n < policy.kfold_below:
        k = min(policy.folds, n)
        splitter = KFold(n_splits=k, shuffle=True, random_state=random_seed)
        return [test for _, test in splitter.split(np.zeros(n))], f"{k}-fold over the {n} new gold labels"
    size = max(1, round(n * policy.held_out_share))
    return [np.arange(n - size, n)], f"the newest {size} of the {n} new gold labels held out"


def _figures(incumbent: dict, challenger: dict, method: str, n: int, policy: Policy) -> dict:
    dims = {d: {"incumbent": incumbent[d]["macro_f1"], "challenger": challenger[d]["macro_f1"]} for d in DIMENSIONS}
    measured = [d for d in DIMENSIONS if _measurable(incumbent[d])]
    return {
        "method": method, "held_out": n, "dimensions": dims, "measured": measured,
        "mean": {who: float(np.mean([dims[d][who] for d in measured])) if measured else 0.0
                 for who in ("incumbent", "challenger")},
        "tolerance": policy.tolerance,
        "rule": "promoted unless the challenger's mean macro-F1 over the measured dimensions "
                f"is below the incumbent's by more than {policy.tolerance}",
        "metrics": {"incumbent": incumbent, "challenger": challenger},
    }


def _measurable(block: dict) -> bool:
    """Whether the held-out gold has any label of this dimension (only decisions: no tags)."""
    return sum(m["support"] for m in block["per_label"].values()) > 0


def _corrected(gold: list[GoldExample]) -> int:
    return sum(1 for g in gold if "kind" not in g.example.unknown)


def _verdict(promoted: bool, challenger: str, incumbent: str, ev: dict) -> str:
    mean = ev["mean"]
    figures = (f"mean macro-F1 {mean['challenger']:.3f} against {mean['incumbent']:.3f} for {incumbent} "
               f"({', '.join(ev['measured'])}; {ev['method']})")
    if promoted:
        return f"{challenger} promoted: {figures}"
    return f"{challenger} not promoted, worse by more than {ev['tolerance']}: {figures}; {incumbent} keeps serving"


def format_retrain(report: RetrainReport) -> str:
    """The report for people: the verdict, the data, the figures side by side."""
    seed, gold, ev = report.seed, report.gold, report.evaluation
    lines = [f"retrain: {report.status}", report.message, *report.notes, "",
             f"seed: {seed.get('file') or seed.get('from')}, {seed.get('n_examples', 0)} items",
             f"gold labels: {gold.get('total', 0)} ({gold.get('new', 0)} new, "
             f"{gold.get('already_learnt', 0)} already learnt, {gold.get('corrected', 0)} with corrected tags, "
             f"{gold.get('skipped', 0)} unreadable)"]
    if ev:
        lines += ["", f"held out: {ev['method']}",
                  f"  in use:     {report.incumbent}", f"  challenger: {report.challenger}",
                  f"  {'macro-F1':<12}{'in use':>10}{'challenger':>12}"]
        for dim, d in ev["dimensions"].items():
            mark = "" if dim in ev["measured"] else "   (no gold label: not counted)"
            lines.append(f"  {dim:<12}{d['incumbent']:>10.3f}{d['challenger']:>12.3f}{mark}")
        lines.append(f"  {'mean':<12}{ev['mean']['incumbent']:>10.3f}{ev['mean']['challenger']:>12.3f}")
        lines.append(f"rule: {ev['rule']}")
    return "\n".join(lines) + "\n"
