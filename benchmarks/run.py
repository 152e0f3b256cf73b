"""``python -m benchmarks.run [section ...]``: run the benchmark sections (all by default).

A section is a module with ``run() -> dict``: it prints its own report and returns its
numbers; the exit status is 1 if any section reports ``ok: False``. Add a section by adding
its module to ``SECTIONS``.
"""

import importlib
import sys

SECTIONS = {
    "webhooks": "benchmarks.webhooks",
    "ops": "benchmarks.ops",
}


def main(argv: list[str]) -> int:
    names = argv or list(SECTIONS)
    unknown = [name for name in names if name not in SECTIONS]
    if unknown:
        print(f"Unknown section(s): {', '.join(unknown)}. Known: {', '.join(SECTIONS)}.")
        return 2
    failed = []
    for name in names:
        print(f"== {name} ==", flush=True)
        result = importlib.import_module(SECTIONS[name]).run()
        if not result.get("ok", True):
            failed.append(name)
    if failed:
        print(f"FAILED: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
