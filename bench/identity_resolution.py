"""Identity resolution at scale and its accuracy, beside exact matching on name and birth date.

Generates N mentions of synthetic people with known truth (``pmhc.people.synthetic_people``:
typos, nicknames, swapped day and month, missing birth dates, relatives sharing an address),
then resolves them as a full linkage run does, on DuckDB:

1. prepare the columns the model compares (normalized names, phonetic codes, nicknames, date
   parts);
2. estimate the model from the records (u by random sampling, m by expectation maximisation);
3. score the pairs the blocking rules let through;
4. link the pairs at or above the threshold (by default 0.99, the default of
   ``LinkageSettings.auto_link_at``) into people by connected components.

The baseline, run on the same records: records with the same given name, family name and date
of birth (all present, compared in lower case) are one person.

Accuracy is pairwise: every pair of records put in one person is a predicted pair; precision is
the share of predicted pairs that are truly one person, recall the share of true pairs found.
It prints the time of each step (generating the records is not counted), the peak memory of the
process, the pairs scored, and precision, recall and F1 for both. No database is needed:

    .venv/bin/python bench/identity_resolution.py --mentions 1000000
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from pmhc.people import linkage, synthetic_people


def _pairs_in(groups: Iterable[Sequence[int]]) -> int:
    return sum(len(g) * (len(g) - 1) // 2 for g in groups)


def accuracy(
    truth: dict[int, int], clusters: Iterable[Sequence[int]]
) -> tuple[float, float, float]:
    """Pairwise precision, recall and F1 of ``clusters`` (lists of record ids; records in
    none are alone) against ``truth`` (record id to person)."""
    clusters = list(clusters)
    predicted = _pairs_in(clusters)
    true_pairs = sum(n * (n - 1) // 2 for n in Counter(truth.values()).values())
    hits = 0
    for cluster in clusters:
        for n in Counter(truth[pk] for pk in cluster).values():
            hits += n * (n - 1) // 2
    precision = hits / predicted if predicted else 1.0
    recall = hits / true_pairs if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def exact_clusters(mentions: Iterable[linkage.Mention]) -> list[list[int]]:
    groups: dict[tuple[str, str, str], list[int]] = {}
    for m in mentions:
        if m.family_name and m.given_name and m.date_of_birth:
            key = (m.family_name.lower(), m.given_name.lower(), m.date_of_birth.isoformat())
            groups.setdefault(key, []).append(m.pk)
    return [g for g in groups.values() if len(g) > 1]


def peak_memory_mb() -> float:
    # ru_maxrss is in kilobytes on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--mentions", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--threshold", type=float, default=0.99)
    args = parser.parse_args()

    print(f"{args.mentions:,} mentions, seed {args.seed}, link at {args.threshold}")
    print(f"cores: {os.cpu_count()}, load average: {os.getloadavg()[0]:.2f}")
    started = time.perf_counter()
    rows = list(synthetic_people.generate(args.mentions, seed=args.seed))
    truth = {r.mention.pk: r.person for r in rows}
    mentions = [r.mention for r in rows]
    del rows
    print(f"generated {len(mentions):,} mentions of {len(set(truth.values())):,} people "
          f"in {time.perf_counter() - started:.1f} s (not counted)")  # fmt: skip

    steps: list[tuple[str, float]] = []
    clock = time.perf_counter()
    table = linkage.prepare(mentions)
    steps.append(("prepare", time.perf_counter() - clock))
    clock = time.perf_counter()
    model = linkage.train(table)
    steps.append(("estimate the model", time.perf_counter() - clock))
    clock = time.perf_counter()
    scores = linkage.score(table, model, threshold=args.threshold)
    steps.append(("score pairs", time.perf_counter() - clock))
    clock = time.perf_counter()
    clusters = linkage.components((p.left, p.right) for p in scores.pairs)
    steps.append(("link into people", time.perf_counter() - clock))
    total = sum(seconds for _name, seconds in steps)

    clock = time.perf_counter()
    baseline = exact_clusters(mentions)
    baseline_seconds = time.perf_counter() - clock

    for name, seconds in steps:
        print(f"  {name:<20} {seconds:8.1f} s")
    print(f"resolution: {total:.1f} s ({total / len(mentions) * 1e6:.1f} s per million "
          f"mentions), peak memory {peak_memory_mb():,.0f} MB, load average now "
          f"{os.getloadavg()[0]:.2f}")  # fmt: skip
    print(f"pairs scored: {scores.scored:,}; at or above {args.threshold}: {len(scores.pairs):,}")
    print()
    print(f"{'':<26}{'precision':>10}{'recall':>10}{'F1':>10}{'seconds':>10}")
    for name, clustered, seconds in (
        ("Splink model", clusters, total),
        ("exact name + birth date", baseline, baseline_seconds),
    ):
        precision, recall, f1 = accuracy(truth, clustered)
        print(f"{name:<26}{precision:>10.4f}{recall:>10.4f}{f1:>10.4f}{seconds:>10.1f}")


if __name__ == "__main__":
    main()
