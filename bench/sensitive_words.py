"""Benchmark the sensitive-word filter: build from 10,000 words, check a 4,000-character prompt.

    python bench/sensitive_words.py [--words 10000] [--chars 4000] [--seed 1]

Words and prompt are random mixes of CJK and Latin; a few words are planted
in the prompt so the check also reports matches.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

from voapi_desktop.core.sensitive import WordFilter, excerpt, prompt_texts

LATIN = "abcdefghijklmnopqrstuvwxyz"
CJK = [chr(c) for c in range(0x4E00, 0x4E00 + 3000)]  # common-ish ideographs


def random_word(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return "".join(rng.choice(CJK) for _ in range(rng.randint(2, 5)))
    return "".join(rng.choice(LATIN) for _ in range(rng.randint(4, 10)))


def random_prompt(rng: random.Random, chars: int, planted: list[str]) -> str:
    pieces, size = [], 0
    while size < chars:
        piece = rng.choice(planted) if rng.random() < 0.01 else random_word(rng)
        pieces.append(piece + rng.choice([" ", "，", "。", " "]))
        size += len(pieces[-1])
    return "".join(pieces)[:chars]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=int, default=10_000)
    parser.add_argument("--chars", type=int, default=4_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=50)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    words = [random_word(rng) for _ in range(args.words)]
    prompt = random_prompt(rng, args.chars, rng.sample(words, 20))
    body = {"messages": [{"role": "system", "content": "You are helpful."}, {"role": "user", "content": prompt}]}

    started = time.perf_counter()
    word_filter = WordFilter(words)
    build = time.perf_counter() - started

    checks, found = [], []
    for _ in range(args.rounds):
        started = time.perf_counter()
        found = word_filter.find("\n".join(prompt_texts("openai", body)))
        checks.append(time.perf_counter() - started)
    started = time.perf_counter()
    shown = excerpt(prompt, found[0]) if found else ""
    cut = time.perf_counter() - started

    print(f"words: {len(word_filter)} distinct of {args.words}; automaton nodes: {len(word_filter._goto)}")
    print(f"build: {build * 1000:.1f} ms")
    print(f"check {len(prompt)} chars: median {statistics.median(checks) * 1000:.2f} ms, "
          f"max {max(checks) * 1000:.2f} ms over {args.rounds} rounds; {len(found)} words found")
    print(f"excerpt: {cut * 1000:.2f} ms  {shown!r}")


if __name__ == "__main__":
    main()
