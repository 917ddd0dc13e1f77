"""core.machine: who is alive (task workers, scripts/prodstack.py), importable without Django settings."""

import os
import subprocess
import sys
from pathlib import Path

from htxconnect.core.machine import process_alive, start_time

ROOT = Path(__file__).resolve().parents[2]


def test_a_running_process_is_alive_and_its_start_time_tells_a_reused_pid_apart():
    pid = os.getpid()
    assert process_alive(pid) and process_alive(pid, start_time(pid))
    assert not process_alive(pid, str(int(start_time(pid)) + 1))  # another process that had the same pid


def test_a_process_that_exited_is_dead_even_before_it_is_reaped():
    process = subprocess.Popen(["true"])
    os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOWAIT)  # exited, left a zombie: not reaped yet
    try:
        assert not process_alive(process.pid)
    finally:
        process.wait()
    assert not process_alive(process.pid)


def test_it_imports_without_django_settings():
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    code = "import sys, htxconnect.core.machine; sys.exit('django' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env).returncode == 0
