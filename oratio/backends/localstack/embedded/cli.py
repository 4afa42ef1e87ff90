"""``python app.py localstack start|stop|status|logs``."""

from __future__ import annotations

from collections import deque

from oratio.backends.localstack import embedded
from oratio.backends.localstack.embedded.layout import Layout


def run(action: str, lines: int = 40) -> int:
    layout = Layout.default()
    user = embedded.resolve_endpoint()
    if user is not None and action in ("start", "stop"):
        print(f"LOCALSTACK_ENDPOINT/AWS_ENDPOINT_URL names your own LocalStack ({user.url}): oratio does not "
              f"{action} it; unset the variable to use the embedded one")
        return 0
    if action == "start":
        endpoint = embedded.ensure_running(print)
        current = embedded.status()
        print(f"LocalStack runs at {endpoint.url} (pid {current.pid}); stop it with 'python app.py localstack stop'")
        return 0
    if action == "stop":
        stopped = embedded.stop()
        print("LocalStack stopped, and every process it started" if stopped else "LocalStack was not running")
        return 0
    if action == "status":
        current = embedded.status()
        if not current.running:
            print(f"not running (embedded LocalStack at {current.url}; start it with 'python app.py localstack start')")
            return 3
        uptime = f", up {current.uptime_s:.0f} s" if current.uptime_s is not None else ""
        running = sorted(name for name, state in (current.health or {}).get("services", {}).items()
                         if state == "running")
        print(f"running at {current.url} (pid {current.pid}{uptime}); services in use: {', '.join(running) or 'none'}")
        return 0
    if not layout.log_file.is_file():
        print(f"no log yet ({layout.log_file})")
        return 0
    with open(layout.log_file, errors="replace") as log:
        for line in deque(log, maxlen=lines):
            print(line, end="")
    return 0
