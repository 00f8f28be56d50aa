"""Real parts for the browser test: a Daphne server in a subprocess on its own SQLite database,
speech synthesised with the project's Piper voice into a WAV for Chromium's fake microphone, and
Debian's Chromium driven through chromedriver."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import wave
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
ARTIFACTS = REPO / "test-artifacts" / "browser"
WAV_RATE = 16000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """`manage.py migrate` + `seed_demo` on a fresh SQLite file, then Daphne serving the real ASGI app."""

    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = workdir / "server.log"
        self.proc: subprocess.Popen | None = None
        self.env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{workdir / 'db.sqlite3'}",
            "MEDIA_ROOT": str(workdir / "media"),
            "DEBUG": "true",  # WhiteNoise serves static/ through the finders, as in `dev.sh start`
            "REDIS_URL": "",  # in-memory channel layer and eager Celery: the embedded default
            "CELERY_BROKER_URL": "memory://",
            "GROQ_API_KEY": "",  # the offline brain and local speech: nothing leaves the machine
            "PYTHONUNBUFFERED": "1",
        }
        self.env.pop("DJANGO_SETTINGS_MODULE", None)

    def _manage(self, *args: str) -> None:
        with open(self.log_path, "ab") as log:
            subprocess.run([sys.executable, "manage.py", *args], cwd=REPO, env=self.env, stdout=log,
                           stderr=subprocess.STDOUT, check=True, timeout=120)

    def start(self) -> "LiveServer":
        self._manage("migrate", "--noinput", "-v", "0")
        self._manage("seed_demo", "--quiet")
        return self.serve()

    def serve(self) -> "LiveServer":
        """Daphne on the migrated database: again after `kill()`, on the same port."""
        daphne = Path(sys.executable).with_name("daphne")
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([str(daphne), "-b", "127.0.0.1", "-p", str(self.port), "voxsite.asgi:application"],
                                     cwd=REPO, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"daphne exited with {self.proc.returncode}:\n{self.log()}")
            try:
                with urllib.request.urlopen(self.url + "/api/health", timeout=2) as resp:
                    if resp.status == 200:
                        return self
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"daphne did not answer /api/health within 60 s:\n{self.log()}")

    def kill(self) -> None:
        """SIGKILL, as a crashed or OOM-killed server process dies: no close frames."""
        self.proc.kill()
        self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def log(self, tail: int = 8000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-tail:]
        except OSError:
            return ""


def speech_wav(path: Path, parts: list[float | str]) -> Path:
    """A 16-bit mono 16 kHz WAV: a float in `parts` is that many seconds of silence, a string is spoken.

    Chromium's fake capture plays a missing or 24-bit file as silence without an error, so the
    format is fixed here and the test checks the level the widget measured."""
    from .speech_helpers import steady_speech

    pieces: list[bytes] = []
    for part in parts:
        if isinstance(part, str):
            pieces.append(steady_speech(part, WAV_RATE))
        else:
            pieces.append(np.zeros(int(part * WAV_RATE), "<i2").tobytes())
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(WAV_RATE)
        w.writeframes(b"".join(pieces))
    return path


def chromium(*, workdir: Path, wav: Path | None = None, size: tuple[int, int] = (1280, 900)):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--autoplay-policy=no-user-gesture-required",
                "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                f"--user-data-dir={tempfile.mkdtemp(dir=workdir, prefix='chrome-')}",
                f"--window-size={size[0]},{size[1]}"):
        opts.add_argument(arg)
    if wav is not None:
        # %noloop: the file plays once from when the page opens the device, then silence.
        opts.add_argument(f"--use-file-for-fake-audio-capture={wav}%noloop")
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    driver.set_window_size(*size)
    return driver


def screenshot(driver, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    driver.save_screenshot(str(path))
    return path


def console(driver) -> str:
    try:
        return "\n".join(f"{e['level']} {e['message']}" for e in driver.get_log("browser"))
    except Exception:  # noqa: BLE001 - a dead browser has no log to give
        return ""
