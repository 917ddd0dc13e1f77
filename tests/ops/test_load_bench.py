"""bench/load/run.py: refuses to run without the production stack (exit 2, says `make prod-up`),
and finds the Granian processes and their memory from /proc."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_without_the_stack_it_says_make_prod_up(tmp_path):
    result = subprocess.run([sys.executable, "bench/load/run.py", "--stack", str(tmp_path / "stack.json")], cwd=ROOT,
                            capture_output=True, text=True, timeout=60, env={**os.environ, "PATH": os.environ["PATH"]})
    if "wrk is not installed" in result.stderr:  # checked first; the message names the install script
        assert result.returncode == 2 and "install_bench_deps.sh" in result.stderr
        return
    assert result.returncode == 2
    assert "make prod-up" in result.stderr and str(tmp_path / "stack.json") in result.stderr


def test_the_app_processes_are_found_with_their_memory():
    sys.path.insert(0, str(ROOT / "bench" / "load"))
    try:
        import run
    finally:
        sys.path.pop(0)
    # A child that holds 30 MB, says so, and waits for its standard input to close.
    child = subprocess.Popen([sys.executable, "-c", "import sys; x = bytearray(30 * 2**20); x[::4096] = b'1' * len(x[::4096]);"
                              " print('ready', flush=True); sys.stdin.read()"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "ready"
        found = run.granian_processes({"pids": {"app-1": os.getpid(), "worker-1": 1}})
        assert found[os.getpid()] == "app-1" and found[child.pid] == "app-1 worker"
        assert 1 not in found  # task workers are not the app servers
        assert run.rss_mb(child.pid) >= 30
    finally:
        child.stdin.close()
        child.wait(timeout=30)
