"""What a test needs from the machine (a browser, nginx, PostgreSQL, shellcheck, …).

A test that needs a tool calls `require(...)`/`require_commands(...)` instead of `pytest.skip`:
on a developer's machine a missing tool skips the test and says how to install it; with
`HTX_REQUIRE_ALL=1` (set by `.ci/run`) the same test FAILS, so CI can never go green by
skipping. `tests/test_no_silent_skips.py` refuses any other skip in the suite.

A test that starts a server puts it on `free_port()` and waits with `wait_listening(port, process)`
(htxconnect.core.machine: the benches and scripts/prodstack.py use the same).
"""

from __future__ import annotations

import os
import shutil

import pytest

from htxconnect.core.machine import free_port, wait_listening  # noqa: F401 - servers a test starts

INSTALL = "scripts/install_system_deps.sh (as root)"


def require_all() -> bool:
    return os.environ.get("HTX_REQUIRE_ALL", "") not in ("", "0")


def require(available: bool, what: str, how: str = INSTALL) -> None:
    """Skip (locally) or fail (HTX_REQUIRE_ALL=1) unless `available`."""
    if available:
        return
    message = f"{what} — cài / install: {how}"
    if require_all():
        pytest.fail(f"HTX_REQUIRE_ALL=1 and a test needs what is missing: {message}", pytrace=False)
    pytest.skip(message)


def require_commands(*names: str, how: str = INSTALL) -> None:
    missing = [name for name in names if not shutil.which(name)]
    require(not missing, f"missing command(s): {', '.join(missing)}", how)


def stop_process_group(process, timeout: float = 20) -> None:
    """Stop a server a test started with `start_new_session=True`, and every process it started:
    SIGTERM to the whole group, then SIGKILL after `timeout`. Killing only the first process (a
    Granian master) left its workers running after the test, listening and holding files."""
    import signal
    import subprocess

    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            break
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            continue
        try:  # the first process is gone: give what is left of its group a moment, then make sure
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        break
