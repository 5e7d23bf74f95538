#!/usr/bin/env python3
"""How the cost of phrase matching grows with the size of a pack: it should not.

Usage::

    python benchmarks/phrases.py [--messages 5000] [--repeats 7]

Builds phrase packs of 10, 100, 1,000 and 10,000 phrases (one to three made-up words each, from
a fixed seed; one in three a pattern with alternatives, optional words and a gap), then times
finding them in the same messages (twenty words each, a few of which
start or are phrases of the pack). Each size is timed several times, interleaved, and the best
time is kept. It prints microseconds per message and the ratio to the 10-phrase pack, and exits
1 if the 1,000-phrase pack takes more than twice as long as the 10-phrase one.
"""

from __future__ import annotations

import argparse
import random
import sys
import time

from cs_score.phrases import PhraseIndex, normalize

SIZES = (10, 100, 1_000, 10_000)
LIMIT = 2.0
LETTERS = "abcdefghijklmnopqrstuvwxyzéèàçöüßабвгдежзийклмнопрстуфхцчшщыэюя"


def _word(rng: random.Random) -> str:
    return "".join(rng.choice(LETTERS) for _ in range(rng.randint(3, 9)))


def _phrases(rng: random.Random, count: int) -> list[str]:
    """Made-up phrases; one in three is a pattern of the phrase language (alternatives,
    optional words and a gap: `{a|b} [c] … d`), which spells out into several paths."""
    made = []
    for n in range(count):
        if n % 3 == 2:
            made.append(f"{{{_word(rng)}|{_word(rng)}}} [{_word(rng)}] … {_word(rng)}")
        else:
            made.append(" ".join(_word(rng) for _ in range(rng.randint(1, 3))))
    return made


def _messages(rng: random.Random, count: int, planted: list[str]) -> list[str]:
    """Messages of twenty words; one in four holds a phrase every pack has, so matches happen."""
    messages = []
    for n in range(count):
        words = [_word(rng) for _ in range(20)]
        if n % 4 == 0:
            words[rng.randrange(20)] = rng.choice(planted)
        messages.append(normalize(" ".join(words).capitalize() + "."))
    return messages


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args(argv)
    rng = random.Random(2026)
    planted = _phrases(rng, 5)
    messages = _messages(rng, args.messages, planted)
    indexes = {
        size: PhraseIndex({"pack": {"en": planted + _phrases(rng, size - len(planted))}})
        for size in SIZES
    }
    best = dict.fromkeys(SIZES, float("inf"))
    found = dict.fromkeys(SIZES, 0)
    for _ in range(args.repeats):
        for size, index in indexes.items():
            packs_in = index.packs_in
            started = time.perf_counter()
            hits = sum(1 for text in messages if packs_in(text))
            best[size] = min(best[size], time.perf_counter() - started)
            found[size] = hits
    base = best[SIZES[0]]
    print(f"{'phrases':>8}  {'µs/message':>10}  {'× 10 phrases':>12}  messages matched")
    for size in SIZES:
        per_message = best[size] / len(messages) * 1e6
        print(f"{size:>8,}  {per_message:>10.2f}  {best[size] / base:>12.2f}  {found[size]:,}")
    ratio = best[1_000] / base
    verdict = "ok" if ratio <= LIMIT else "TOO SLOW"
    print(f"1,000 phrases take {ratio:.2f}× the time of 10 (limit {LIMIT:g}×): {verdict}")
    return 0 if ratio <= LIMIT else 1


if __name__ == "__main__":
    sys.exit(main())
