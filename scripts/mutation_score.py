"""Print the mutation score of the last `mutmut run` and fail below a minimum.

Killed and timed-out mutants count as detected (a mutant that hangs the tests is caught);
survivors, mutants no test reaches and suspicious ones count against the score. Every
undetected mutant is listed so that it can be read with `mutmut show NAME`.
"""

import argparse
import json
import subprocess
import sys
from pathlib import Path

MUTMUT = Path(sys.executable).with_name("mutmut")
DETECTED = ("killed", "timeout")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--minimum", type=float, default=95.0, help="lowest passing score (%%)")
    args = parser.parse_args()
    subprocess.run([MUTMUT, "export-cicd-stats"], check=True, capture_output=True)
    stats = json.loads(Path("mutants/mutmut-cicd-stats.json").read_text())
    total = stats["total"]
    detected = sum(stats[kind] for kind in DETECTED)
    score = 100.0 * detected / total if total else 0.0
    results = subprocess.run([MUTMUT, "results"], check=True, capture_output=True, text=True)
    undetected = [
        line.strip()
        for line in results.stdout.splitlines()
        if line.strip() and not line.strip().endswith(tuple(f": {kind}" for kind in DETECTED))
    ]
    for line in undetected:
        print(f"  undetected  {line}")
    summary = ", ".join(f"{kind} {stats[kind]}" for kind in stats if stats[kind])
    print(f"mutation score: {score:.1f}% ({detected} of {total} detected; {summary})")
    if score < args.minimum:
        print(f"FAIL: below the minimum of {args.minimum:.0f}%", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
