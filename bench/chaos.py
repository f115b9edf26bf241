"""Chaos over many seeds (issue 24, acceptance 2): a hazards API replica and a reports worker
SIGKILLed mid-flow at random moments, every request retried with its Idempotency-Key.

    python bench/chaos.py [--smoke | --full] [--seeds N] [--first S] [--json]

Starts the process stack (PostgreSQL, nginx, two API replicas and two workers of every service)
and runs seeds ``first … first+N-1`` (20 seeds; ``--smoke``: one, on two hazards replicas and two
reports workers only) of tests/support/chaos_harness.py: per seed, a client drives tip-offs into
hazards and hazards through their general path while a killer SIGKILLs one hazards replica and
one reports worker at moments drawn from the seed and starts them again; then it checks that
every request was applied once, every outbox event delivered once and every audit chain is
intact. A seed that fails stops the run (exit status 1, its assertion on stderr).
tests/test_scale_out.py runs five seeds of the same in CI.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "stack"), str(ROOT / "bench"), str(ROOT / "tests" / "support")]

from _support import Figure, arguments, report, say  # noqa: E402
from chaos_harness import chaos  # noqa: E402

from qlstack.services import SERVICE_NAMES  # noqa: E402
from qlstack.stack import Stack  # noqa: E402

# The client takes in every tip-off from one address: the stack allows that many.
SETTINGS = {"intakes_per_address": 100_000}


def main() -> None:
    parser = arguments(__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, help="how many seeds (default 20; --smoke 1)")
    parser.add_argument("--first", type=int, default=1, help="the first seed")
    args = parser.parse_args()
    count = args.seeds or (1 if args.smoke else 20)
    seeds = list(range(args.first, args.first + count))
    if args.smoke:
        stack = Stack(replicas={"hazards": 2}, workers={"reports": 2}, settings=SETTINGS)
    else:
        stack = Stack(replicas=dict.fromkeys(SERVICE_NAMES, 2), workers=2, settings=SETTINGS)
    say(f"starting the stack in {stack.root} …")
    try:
        with stack:
            outcome = asyncio.run(chaos(stack, seeds, say))
    finally:
        stack.remove()
    say(outcome.line())
    per_seed = outcome.seconds / len(seeds)
    report(
        [
            Figure("seeds passed: each request applied once, no event lost, chains intact", len(seeds), "seeds",
                   floor=f"all {len(seeds)}", met=outcome.seeds == seeds),
            Figure("SIGKILLs (hazards API replica, reports worker)", len(outcome.tally.kills), "kills"),
            Figure("keyed requests", outcome.tally.requests, "requests"),
            Figure("requests retried with their key", outcome.tally.retried, "requests"),
            Figure("failed attempts (connection error, 5xx)", outcome.tally.failures, "attempts"),
            Figure("retries answered by replay (the first had committed)", outcome.tally.replayed, "requests"),
            Figure("outbox events checked delivered once", outcome.events, "events"),
            Figure("audit chains verified", outcome.chains, "chains"),
            Figure("time per seed (flows, drain, checks)", round(per_seed, 1), "s"),
        ],
        args.json,
    )  # fmt: skip


if __name__ == "__main__":
    main()
