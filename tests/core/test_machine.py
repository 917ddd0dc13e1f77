"""core.machine: who is alive (task workers, scripts/prodstack.py), importable without Django settings."""

import os
import subprocess
import sys
from pathlib import Path

from htxconnect.core.machine import children, cpu_seconds, freeze_startup_objects, process_alive, start_time

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


def test_the_app_servers_freeze_what_start_up_loaded_and_later_cycles_are_still_collected():
    """htxconnect/wsgi.py freezes the start-up objects (core.machine.freeze_startup_objects): the
    collector's permanent generation then holds Django's URL patterns; a reference cycle made
    afterwards is still freed by a collection."""
    code = """
import gc, sys, weakref
import htxconnect.wsgi
frozen = gc.get_freeze_count()
class Node: pass
a, b = Node(), Node()
a.other, b.other = b, a
gone = weakref.ref(a)
del a, b
gc.collect()
sys.exit(0 if frozen > 10_000 and gone() is None else 1)
"""
    env = {**os.environ, "DJANGO_ENV": "test"}
    ran = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert ran.returncode == 0, ran.stderr


def test_freezing_counts_what_it_froze_and_is_undone_by_unfreeze():
    import gc

    try:
        frozen = freeze_startup_objects()  # a frozen object may be freed right after: compare loosely
        assert frozen > 10_000 and abs(gc.get_freeze_count() - frozen) < 100
    finally:
        gc.unfreeze()
    assert gc.get_freeze_count() == 0


def test_children_and_cpu_seconds_of_a_process():
    """What the benches and drills read off /proc: a process's children, and its CPU time so far."""
    child = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE)
    try:
        assert child.pid in children(os.getpid())
        assert children(child.pid) == []
    finally:
        child.communicate(b"")
    assert child.pid not in children(os.getpid())
    spent = cpu_seconds(os.getpid())
    before = os.times()
    while os.times().user + os.times().system - before.user - before.system < 0.05:
        pass
    assert cpu_seconds(os.getpid()) > spent
    assert children(child.pid) == [] and cpu_seconds(child.pid) == 0.0  # gone and reaped
