"""A real JupyterLab for the lab tests, started on loopback in a temporary folder, and a browser.

Needs Debian's chromium (Playwright drives it; never `playwright install`) and jupyterlab-myst
(requirements.txt). Without chromium the tests skip; with REQUIRE_BROWSER=1 they fail instead.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SHOTS = ROOT / "_build" / "screenshots"
CHROMIUM = shutil.which("chromium")
REQUIRE_BROWSER = os.environ.get("REQUIRE_BROWSER") == "1"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def unavailable(reason: str) -> None:
    """Skip, or fail under REQUIRE_BROWSER=1."""
    if REQUIRE_BROWSER:
        pytest.fail(f"{reason} (REQUIRE_BROWSER=1, so this is a failure, not a skip)")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Lab:
    """A running JupyterLab: its folder, base URL and token."""

    root: Path
    url: str
    token: str
    process: subprocess.Popen

    def api(self, path: str) -> object:
        """GET /api/PATH as JSON."""
        for attempt in range(3):  # a busy machine: the server may answer 500 while it starts a kernel
            try:
                with urllib.request.urlopen(f"{self.url}api/{path}?token={self.token}", timeout=20) as r:
                    return json.loads(r.read())
            except urllib.error.HTTPError:
                if attempt == 2:
                    raise
                time.sleep(1)
        return None

    def open_url(self, notebook: str) -> str:
        """The URL that opens a notebook of the lab's folder."""
        return f"{self.url}lab/tree/{notebook}?token={self.token}"


def start_lab(folder: Path, env: dict[str, str] | None = None) -> Lab:
    """``jupyter lab`` on 127.0.0.1 in ``folder``, waited for until it answers."""
    port, token = _free_port(), secrets.token_hex(16)
    settings = folder / ".jupyter-settings"
    args = [
        str(BIN / "jupyter"), "lab", "--no-browser", f"--port={port}",
        f"--ServerApp.token={token}", "--ServerApp.ip=127.0.0.1", "--allow-root",
        f"--ServerApp.root_dir={folder}",
        # no news or update checks (they would reach the internet), no workspace restored
        "--LabApp.news_url=", "--LabApp.extension_manager=readonly",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        f"--LabServerApp.user_settings_dir={settings}", f"--LabServerApp.workspaces_dir={settings}",
    ]
    # the course's lab settings (no news prompt), and every cell rendered (no windowing), so that
    # what the test reads is the whole notebook, not only the cells scrolled into view
    sys.path.insert(0, str(ROOT / "scripts"))
    import workspace

    for rel, content in {
        **workspace.SETTINGS,
        "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    }.items():
        (settings / rel).parent.mkdir(parents=True, exist_ok=True)
        (settings / rel).write_text(json.dumps(content))
    full_env = {**os.environ, **(env or {})}
    full_env.pop("DYING_RELU_LIVE", None)  # the kernel must find out by itself that it is live
    log = open(folder.parent / f"lab-{port}.log", "w")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen(args, cwd=folder, env=full_env, stdout=log, stderr=subprocess.STDOUT)
    lab = Lab(folder, f"http://127.0.0.1:{port}/", token, proc)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = (folder.parent / f"lab-{port}.log").read_text()[-2000:]
            raise RuntimeError(f"jupyter lab exited: {tail}")
        try:
            lab.api("status")
            return lab
        except OSError:
            time.sleep(0.3)
    proc.terminate()
    raise RuntimeError("jupyter lab did not answer within 60 s")


def stop_lab(lab: Lab) -> None:
    """Stop the server this test started (by its process, never by name)."""
    lab.process.terminate()
    try:
        lab.process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        lab.process.kill()


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the lab tests."""
    if CHROMIUM is None:
        unavailable("lab tests SKIPPED: `chromium` not found on PATH (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield b
        b.close()
