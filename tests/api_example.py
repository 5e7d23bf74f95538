"""The Python API as a program uses it: `test_api.py` runs it, `.ci/run` type-checks it.

Scores the sample log from memory (dicts and raw lines), folds the results in two halves,
merges the halves, and prints a few figures, the gate verdict and the JSON report's summary.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import cs_score
from cs_score import InteractionResult, Rejection, ReportPart


def main(log: Path) -> int:
    rules = cs_score.load_ruleset("default")
    records: list[dict[str, object] | str] = []
    for line in log.read_text(encoding="utf-8").splitlines():
        try:
            records.append(json.loads(line))
        except ValueError:
            records.append(line)  # kept as text: rejected with the reason a log would give
    scored = list(cs_score.score_records(records, rules, source=log.name))
    results = [item for item in scored if isinstance(item, InteractionResult)]
    rejected = [item for item in scored if isinstance(item, Rejection)]
    half = len(scored) // 2
    parts: list[ReportPart] = [
        cs_score.fold(scored[:half], rules, group_by=["agent"]),
        cs_score.fold(scored[half:], rules, group_by=["agent"]),
    ]
    report = cs_score.build_report(cs_score.merge(parts), inputs=[log.name])
    worst = min(results, key=lambda r: r.score if r.score is not None else 100.0)
    print(f"scored {len(results)}, rejected {len(rejected)}: {rejected[0]}")
    print(f"lowest: {worst.id} {worst.score} {worst.critical_failure}")
    print(f"mean {report.summary['mean_score']} grade {report.summary['grade']}")
    print(f"gate {'passed' if report.passed else 'failed'}")
    document = json.loads(cs_score.render(report, results, format="json"))
    print(json.dumps(document["summary"]["grade_counts"]))
    return 0 if report.passed else 1


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
