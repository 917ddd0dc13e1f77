"""Runs every benchmark in bench/ (files named bench_*.py or *_bench.py or listed below).

Each benchmark is a standalone script that prints its own figures: absolute numbers and a
ratio against a reference measured in the same run. `make bench BENCH_ARGS=epcis_capture`
runs only the named ones.
"""

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv):
    scripts = sorted(p for p in HERE.glob("*.py") if p.name not in {"run.py", "__init__.py"} and not p.name.startswith("_"))
    if argv:
        scripts = [p for p in scripts if p.stem in argv]
    failed = 0
    for script in scripts:
        print(f"=== {script.stem} ===", flush=True)
        failed += subprocess.call([sys.executable, str(script)]) != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
