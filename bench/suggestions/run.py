"""``make bench``: how often the suggested actions answer a finding, and how fast.

The hand-labelled set (``labelled.json``) holds findings worded as a new CQC report would word
them, each with the refs of the open actions of the demo plan (the CCC plan of 2019,
``fixtures/ccc-improvement-plan-2019.csv``) that answer it. For each finding the open actions
are ranked by ``actions.inspections.suggestions.suggestions_for``; a finding counts as a hit
at k when one of its right actions is among the first k. Prints top-1 and top-3 accuracy
(top-3 is the issue's measure, aim 80% or better), the same by wording (near or far from the
action's own words), each miss, the time to load the model and to embed the plan, and
per-finding latency.

No database is needed: the plan's actions are built in memory from the fixture.

    .venv/bin/python bench/suggestions/run.py [--word-weight W] [--large N] [--json]

``--word-weight 0`` ranks by the sentence embeddings alone, ``1`` by shared words alone
(TF-IDF); the product uses ``actions.inspections.suggestions.WORD_WEIGHT``.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
LABELLED = Path(__file__).resolve().parent / "labelled.json"
PLAN_CSV = ROOT / "fixtures" / "ccc-improvement-plan-2019.csv"
AIM_TOP3 = 0.80


@dataclass
class Result:
    total: int = 0
    top1: int = 0
    top3: int = 0
    by_wording: dict[str, list[int]] = field(default_factory=dict)  # wording -> [n, top3 hits]
    misses: list[dict] = field(default_factory=list)

    @property
    def top1_share(self) -> float:
        return self.top1 / self.total if self.total else 0.0

    @property
    def top3_share(self) -> float:
        return self.top3 / self.total if self.total else 0.0


def _django() -> None:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "improvement.settings_test")
    import django

    django.setup()


def demo_open_actions() -> list:
    """The demo plan's open actions, unsaved, in the plan's order."""
    from actions.models import Action, Status

    with PLAN_CSV.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    actions = [
        Action(
            ref=row["Ref."].strip(),
            theme=row["Theme"].strip(),
            department=row["Dept"].strip(),
            requirement=row["Requirement and actions"].strip(),
            status=row["RAGB"].strip(),
        )
        for row in rows
    ]
    return [a for a in actions if a.status != Status.BLUE]


def labelled_findings() -> list[dict]:
    return json.loads(LABELLED.read_text(encoding="utf-8"))["findings"]


def evaluate(actions=None, findings=None) -> Result:
    """Rank the open actions for every labelled finding and count the hits."""
    from actions.inspections.suggestions import suggestions_for

    actions = demo_open_actions() if actions is None else actions
    findings = labelled_findings() if findings is None else findings
    ranked = suggestions_for(texts=[f["text"] for f in findings], actions=actions, top=3)
    result = Result()
    for finding, suggestions in zip(findings, ranked, strict=True):
        refs = [s.action.ref for s in suggestions]
        right = set(finding["answers"])
        hit3 = bool(right & set(refs[:3]))
        result.total += 1
        result.top1 += refs[0] in right
        result.top3 += hit3
        tally = result.by_wording.setdefault(finding.get("wording", "-"), [0, 0])
        tally[0] += 1
        tally[1] += hit3
        if not hit3:
            result.misses.append(
                {
                    "text": finding["text"],
                    "answers": finding["answers"],
                    "suggested": [f"{s.action.ref} {s.score:.2f}" for s in suggestions],
                }
            )
    return result


def timings(actions: list, findings: list[dict], large_plan: int = 0) -> dict[str, float]:
    """Seconds to load the model and embed the plan (cold), and per-finding latency (warm)."""
    from actions.inspections import suggestions as suggest
    from actions.inspections.encoder import embeddings_for
    from actions.models import Action

    suggest.cache_clear()
    started = time.perf_counter()
    embeddings_for(["warm up"])  # loads the model once per process
    loaded = time.perf_counter()
    suggest.suggestions_for(texts=["embed the plan"], actions=actions)
    embedded = time.perf_counter()
    per_finding = []
    for finding in findings:
        t0 = time.perf_counter()
        suggest.suggestions_for(texts=[finding["text"]], actions=actions)
        per_finding.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    suggest.suggestions_for(texts=[f["text"] for f in findings], actions=actions)
    batch = time.perf_counter() - t0
    # A larger plan, embedded cold: the plan's actions again, each made a distinct text.
    large = []
    while len(large) < large_plan:
        for a in actions[: large_plan - len(large)]:
            large.append(
                Action(
                    ref=f"{a.ref}-{len(large)}",
                    theme=a.theme,
                    requirement=f"{a.requirement} (copy {len(large)})",
                )
            )
    t0 = time.perf_counter()
    if large:
        suggest.suggestions_for(texts=["embed the plan"], actions=large)
    large_embed = time.perf_counter() - t0
    per_finding.sort()
    return {
        "large_plan_actions": len(large),
        "large_plan_embed_s": large_embed,
        "model_load_s": loaded - started,
        "plan_embed_s": embedded - loaded,
        "finding_median_ms": statistics.median(per_finding) * 1000,
        "finding_p95_ms": per_finding[max(0, int(len(per_finding) * 0.95) - 1)] * 1000,
        "all_findings_batch_ms": batch * 1000,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument(
        "--word-weight",
        type=float,
        default=None,
        help="share of the score from shared words (0: meaning alone; 1: words alone)",
    )
    parser.add_argument(
        "--large", type=int, default=200, help="also time embedding a plan of this many actions"
    )
    args = parser.parse_args()
    _django()
    from actions.inspections import suggestions as suggest

    if args.word_weight is not None:
        suggest.WORD_WEIGHT = args.word_weight
    actions = demo_open_actions()
    findings = labelled_findings()
    times = timings(actions, findings, large_plan=args.large)
    result = evaluate(actions, findings)
    if args.json:
        print(
            json.dumps(
                {
                    "findings": result.total,
                    "open_actions": len(actions),
                    "top1": round(result.top1_share, 4),
                    "top3": round(result.top3_share, 4),
                    "word_weight": suggest.WORD_WEIGHT,
                    **{k: round(v, 4) for k, v in times.items()},
                },
                indent=2,
            )
        )
        return 0
    print(
        f"Finding suggestions: {result.total} labelled findings, {len(actions)} open actions, "
        f"word weight {suggest.WORD_WEIGHT:g}"
    )
    print(f"  top-1 accuracy  {result.top1_share:6.1%}  ({result.top1}/{result.total})")
    print(
        f"  top-3 accuracy  {result.top3_share:6.1%}  ({result.top3}/{result.total})  "
        f"aim {AIM_TOP3:.0%}: {'PASS' if result.top3_share >= AIM_TOP3 else 'MISS'}"
    )
    for wording, (n, hits) in sorted(result.by_wording.items()):
        print(f"    {wording:5} wording  top-3 {hits / n:6.1%}  ({hits}/{n})")
    print(f"  model load      {times['model_load_s'] * 1000:8.0f} ms (once per process)")
    print(f"  embed the plan  {times['plan_embed_s'] * 1000:8.0f} ms ({len(actions)} actions)")
    print(
        f"  per finding     {times['finding_median_ms']:8.1f} ms median, "
        f"{times['finding_p95_ms']:.1f} ms p95 (plan cached)"
    )
    print(f"  all findings    {times['all_findings_batch_ms']:8.0f} ms in one call")
    if times["large_plan_actions"]:
        print(
            f"  embed a plan of {times['large_plan_actions']} actions "
            f"{times['large_plan_embed_s'] * 1000:.0f} ms (cold, once per process)"
        )
    if result.misses:
        print("Missed (no right action in the top three):")
        for miss in result.misses:
            print(f"  - {miss['text']}")
            print(f"    right: {', '.join(miss['answers'])}; suggested: {miss['suggested']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
