"""Regenerate docs/bad-input-corpus.md: run the bad-input corpus and write its table.

    .venv/bin/python scripts/corpus_table.py [--out docs/bad-input-corpus.md]

The table (case -> status -> message) is written by tests/webapp/test_bad_input_corpus.py when
``CORPUS_TABLE`` names a file, so the table always shows what the tests just proved.
"""
import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "bad-input-corpus.md"))
    args = parser.parse_args(argv)
    env = {**os.environ, "CORPUS_TABLE": str(Path(args.out).resolve())}
    status = subprocess.call([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                              "tests/webapp/test_bad_input_corpus.py"], cwd=ROOT, env=env)
    if status == 0:
        print(f"wrote {args.out}")
    return status


if __name__ == "__main__":
    sys.exit(main())
