#!/usr/bin/env python3
"""Precision and recall of the phrase packs on labelled real messages.

Usage::

    python benchmarks/detection.py [--labels benchmarks/labels/messages.jsonl] [--rules FILE]
                                   [--examples tuning|held-out|none] [--limit 10]
                                   [--pack NAME] [--check]

Each labelled message says which behaviours its speaker performs in it (the definitions are in
`benchmarks/labels/README.md`). Every pack is run through the same matcher the rules use, on the
messages of the speaker a rule reads: the customer's for `escalation_request` and
`human_request`, the agent's for every other pack. A message is a true positive of a pack when
it is labelled with the behaviour and the pack finds it, a false alarm when the pack finds it
unlabelled, a miss when the pack does not find a labelled one.

The set has two parts, reported separately: `tuning`, the messages the packs were written
from, and `held-out`, messages kept out of that work, whose figures are the ones that say how
the packs do on text they have not seen. For each part it prints, per behaviour, the positives,
precision, recall and F1, then micro averages overall and per language. Then it lists the misses
and false alarms of the `--examples` part (tuning by default, so that reading them does not
spend the held-out part), up to `--limit` a behaviour, each with its message id and, for a false
alarm, the phrase that matched: the material for improving a pack.

`--rules` measures the phrase book of a rule set (the bundled packs with its additions) instead
of the bundled packs. `--check` exits 1 unless the held-out part reaches the targets: micro
precision >= 0.90, micro recall >= 0.85, and F1 >= 0.80 for every behaviour with at least ten
positives.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from cs_score.phrases import PhraseIndex, bundled_packs

HERE = Path(__file__).resolve().parent
LABELS = HERE / "labels" / "messages.jsonl"
PARTS = ("tuning", "held-out")
CUSTOMER_SIDE = frozenset({"escalation_request", "human_request"})
"""Behaviours a rule looks for in the customer's messages; the others are the agent's."""
TARGET_PRECISION = 0.90
TARGET_RECALL = 0.85
TARGET_F1 = 0.80
MIN_POSITIVES = 10


@dataclass(frozen=True)
class Message:
    id: str
    speaker: str
    lang: str
    part: str
    text: str
    labels: frozenset[str]
    translated: bool


@dataclass
class Tally:
    """Counts of one behaviour (or of all, for the micro average) on one part of the set."""

    hits: int = 0
    false_alarms: int = 0
    misses: int = 0
    missed: list[Message] = field(default_factory=list)
    alarms: list[tuple[Message, str]] = field(default_factory=list)

    @property
    def positives(self) -> int:
        return self.hits + self.misses

    def precision(self) -> float | None:
        found = self.hits + self.false_alarms
        return self.hits / found if found else None

    def recall(self) -> float | None:
        return self.hits / self.positives if self.positives else None

    def f1(self) -> float | None:
        p, r = self.precision(), self.recall()
        if not p or not r:
            return 0.0 if self.positives else None
        return 2 * p * r / (p + r)

    def add(self, other: Tally) -> None:
        self.hits += other.hits
        self.false_alarms += other.false_alarms
        self.misses += other.misses


def speaker_of(behaviour: str) -> str:
    return "customer" if behaviour in CUSTOMER_SIDE else "agent"


def read_labels(path: Path) -> list[Message]:
    messages = []
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                messages.append(
                    Message(
                        row["id"],
                        row["speaker"],
                        row.get("lang", "en"),
                        row["part"],
                        row["text"],
                        frozenset(row["labels"]),
                        bool(row.get("translated_from")),
                    )
                )
            except (ValueError, KeyError) as error:
                raise SystemExit(f"{path}:{number}: not a labelled message ({error})") from None
    return messages


def measure(
    messages: Iterable[Message], index: PhraseIndex, behaviours: list[str]
) -> dict[str, Tally]:
    """One tally per behaviour, by matching each message of the behaviour's speaker."""
    tallies = {behaviour: Tally() for behaviour in behaviours}
    for message in messages:
        found = index.hits_in(message.text)
        for behaviour in behaviours:
            if message.speaker != speaker_of(behaviour):
                continue
            tally = tallies[behaviour]
            hit = found.get(behaviour)
            labelled = behaviour in message.labels
            if labelled and hit is not None:
                tally.hits += 1
            elif labelled:
                tally.misses += 1
                tally.missed.append(message)
            elif hit is not None:
                tally.false_alarms += 1
                tally.alarms.append((message, hit.phrase))
    return tallies


def _figure(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def _row(name: str, tally: Tally) -> str:
    return (
        f"{name:<20} {tally.positives:>9,} {tally.hits + tally.false_alarms:>6,}"
        f" {_figure(tally.precision()):>9} {_figure(tally.recall()):>6} {_figure(tally.f1()):>5}"
    )


def micro(tallies: Iterable[Tally]) -> Tally:
    total = Tally()
    for tally in tallies:
        total.add(tally)
    return total


def report(part: str, messages: list[Message], index: PhraseIndex, behaviours: list[str]) -> bool:
    """Print the table of one part; whether it reaches the targets."""
    tallies = measure(messages, index, behaviours)
    languages = Counter(m.lang for m in messages)
    translated = sum(m.translated for m in messages)
    print(f"\n## {part}: {len(messages):,} messages", end="")
    print(" (" + ", ".join(f"{lang} {n:,}" for lang, n in sorted(languages.items())), end="")
    print(f"; {translated:,} translated)" if translated else ")")
    print(
        f"{'behaviour':<20} {'positives':>9} {'found':>6} {'precision':>9} {'recall':>6} {'F1':>5}"
    )
    for behaviour in behaviours:
        tally = tallies[behaviour]
        if tally.positives or tally.false_alarms:
            print(_row(behaviour, tally))
    total = micro(tallies.values())
    print(_row("all, micro", total))
    for lang in sorted(languages):
        of_lang = measure([m for m in messages if m.lang == lang], index, behaviours)
        print(_row(f"  {lang}, micro", micro(of_lang.values())))
    weak = [
        b
        for b in behaviours
        if tallies[b].positives >= MIN_POSITIVES and (tallies[b].f1() or 0.0) < TARGET_F1
    ]
    precision, recall = total.precision() or 0.0, total.recall() or 0.0
    reached = precision >= TARGET_PRECISION and recall >= TARGET_RECALL and not weak
    verdict = "reached" if reached else "NOT reached"
    print(
        f"targets (micro P ≥ {TARGET_PRECISION:.2f}, R ≥ {TARGET_RECALL:.2f}, F1 ≥ {TARGET_F1:.2f}"
        f" with ≥ {MIN_POSITIVES} positives): {verdict}"
        + (f"; F1 below target: {', '.join(weak)}" if weak else "")
    )
    return reached


def examples(
    messages: list[Message], index: PhraseIndex, behaviours: list[str], limit: int
) -> None:
    tallies = measure(messages, index, behaviours)
    for behaviour in behaviours:
        tally = tallies[behaviour]
        if not tally.missed and not tally.alarms:
            continue
        print(f"\n### {behaviour}: {tally.misses} missed, {tally.false_alarms} false alarms")
        for message in tally.missed[:limit]:
            print(f"  miss   {message.id} [{message.lang}] {_quote(message.text)}")
        for message, phrase in tally.alarms[:limit]:
            print(f"  alarm  {message.id} [{message.lang}] “{phrase}” in {_quote(message.text)}")


def _quote(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return "“" + (text if len(text) <= limit else text[: limit - 1] + "…") + "”"


def _index(rules: str | None) -> PhraseIndex:
    if rules is None:
        return PhraseIndex(bundled_packs())
    from cs_score.ruleset import load_ruleset

    return load_ruleset(rules).phrase_index


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--labels", type=Path, default=LABELS)
    parser.add_argument("--rules", help="measure this rule set's phrase book")
    parser.add_argument("--examples", choices=(*PARTS, "none"), default="tuning")
    parser.add_argument("--limit", type=int, default=10, help="examples per behaviour")
    parser.add_argument("--pack", action="append", help="only this behaviour (repeatable)")
    parser.add_argument(
        "--check", action="store_true", help="exit 1 unless held-out reaches targets"
    )
    args = parser.parse_args(argv)
    messages = read_labels(args.labels)
    index = _index(args.rules)
    labelled = sorted({label for m in messages for label in m.labels})
    behaviours = [b for b in (args.pack or labelled)]
    print(f"# Detection on {len(messages):,} labelled messages ({args.labels.name})")
    reached = {}
    for part in PARTS:
        reached[part] = report(part, [m for m in messages if m.part == part], index, behaviours)
    if args.examples != "none":
        print(f"\n## misses and false alarms, {args.examples} part")
        examples([m for m in messages if m.part == args.examples], index, behaviours, args.limit)
    return 0 if reached["held-out"] or not args.check else 1


if __name__ == "__main__":
    sys.exit(main())
