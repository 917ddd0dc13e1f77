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


def test_the_epcis_routes_take_the_api_keys_in_turn_and_sessions_the_stack_s_cookie_names(tmp_path):
    """Each API key may make API_KEY_RATE_LIMIT requests a window: wrk sends every key in turn, so
    no key of the load test is refused (a 429 would count as an error). wrk against a small server
    that records what it is sent."""
    import http.server
    import threading

    from tests.tools import require_commands

    require_commands("wrk")
    sys.path.insert(0, str(ROOT / "bench" / "load"))
    try:
        import run
    finally:
        sys.path.pop(0)
    data = {"gtin": "08930000000019", "lot": "L1", "api_keys": [f"htx_{i:010x}_" + "k" * 43 for i in range(7)],
            "session_cookie": "__Host-sessionid", "csrf_cookie": "__Host-csrftoken", "coop_session": "s1",
            "officer_session": "s2", "event": 1, "event_session": 1, "tickets": ["t"]}
    routes = {r.name: r for r in run.routes_for(data)}
    assert routes["lots list (signed in)"].headers["Cookie"] == "__Host-sessionid=s1"
    assert routes["event check-in"].headers["Cookie"].startswith("__Host-sessionid=s2; __Host-csrftoken=")
    seen = []

    class Recorder(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            seen.append(self.headers.get("Authorization"))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        route = routes["EPCIS query (API key)"]
        result = run.measure(f"http://127.0.0.1:{server.server_address[1]}", route, "r1", 1, 2, tmp_path)
    finally:
        server.shutdown()
    assert result.requests >= 14 and result.errors == 0
    counts = {key: seen.count(f"Bearer {key}") for key in data["api_keys"]}
    assert set(seen) == {f"Bearer {key}" for key in data["api_keys"]}
    assert max(counts.values()) - min(counts.values()) <= 2 + len(seen) // 7 // 2, counts  # about evenly
