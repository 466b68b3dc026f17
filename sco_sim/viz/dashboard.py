"""Start the interactive dashboard (:mod:`sco_sim.viz.app`) on a local web server.

``sco-sim dashboard [SCENARIO]`` calls :func:`launch`. The dashboard needs the optional
``dashboard`` extra (Solara, through ``mesa[viz]``); the scenario is validated before the server
starts, so a bad file is one line and exit code 2, as for every other command.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
from pathlib import Path

from ..inputs.errors import InputError, Problem
from ..inputs.scenario import load_scenario

APP = "sco_sim.viz.app:page"
ENV_SCENARIO = "SCO_SIM_DASHBOARD_SCENARIO"  # same name as sco_sim.viz.app.ENV_SCENARIO

# No outbound connections from the server: no usage telemetry, no icon font from a CDN.
QUIET_ENV = {
    "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
    "SOLARA_ASSETS_FONTAWESOME_ENABLED": "False",
}


def check_available() -> None:
    """Raise InputError (one line) when the dashboard's optional packages are missing."""
    missing = [m for m in ("solara", "matplotlib", "mesa.visualization")
               if _find(m) is None]
    if missing:
        raise InputError([Problem("dashboard", "", "needs the optional packages "
                                  f"{', '.join(missing)}: pip install 'sco-sim[dashboard]'")])


def _find(module: str):
    try:
        return importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return None


def server_command(port: int, host: str = "127.0.0.1", open_browser: bool = False) -> list[str]:
    """The ``solara run`` command line for the dashboard."""
    return [sys.executable, "-m", "solara", "run", APP, "--host", host, "--port", str(int(port)),
            "--production", "--open" if open_browser else "--no-open", "--no-check-version",
            "--no-access-log", "--log-level", "warning"]


def server_env(scenario: str | None) -> dict[str, str]:
    """The server's environment: this one, the initial scenario and no outbound connections."""
    env = dict(os.environ)
    for key, value in QUIET_ENV.items():
        env.setdefault(key, value)
    if scenario is not None:
        env[ENV_SCENARIO] = str(Path(scenario).expanduser().resolve())
    else:
        env.pop(ENV_SCENARIO, None)
    return env


def launch(scenario: str | None = None, port: int = 8765, host: str = "127.0.0.1",
           open_browser: bool = False) -> int:
    """Validate the scenario, then serve the dashboard until interrupted; return the exit code.

    Raises:
        InputError: the scenario file cannot be loaded, the port is out of range, or the
            dashboard's optional packages are not installed.

    """
    if not 0 <= int(port) <= 65535:
        raise InputError([Problem("dashboard", "--port", f"must be 0..65535, got {port}")])
    if scenario is not None:
        load_scenario(scenario)  # InputError -> one line, exit 2 in the CLI
    check_available()
    print(f"sco-sim dashboard: http://{host}:{port}/ (Ctrl-C to stop)", file=sys.stderr)
    # The server runs in its own process group, so that stopping it stops every process it
    # started (Solara's workers included) and the port is free when this returns.
    proc = subprocess.Popen(server_command(port, host, open_browser), env=server_env(scenario),
                            start_new_session=True)

    def on_term(signum, frame):  # SIGTERM (`kill PID`) stops the server as Ctrl-C does
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, on_term)
    try:
        return proc.wait()
    except KeyboardInterrupt:
        stop_server(proc)
        return 130
    finally:
        signal.signal(signal.SIGTERM, previous)
        if proc.poll() is None:
            stop_server(proc)


def stop_server(proc: subprocess.Popen, timeout: float = 10.0) -> None:
    """Stop the server's process group: SIGINT, then SIGKILL if it has not ended in time."""
    for sig in (signal.SIGINT, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=timeout)
            return
        except subprocess.TimeoutExpired:
            continue
