"""A real, private PulseAudio server with a null sink, for recording tests and the benchmark.

Each server lives in its own runtime folder and is reached through ``PULSE_SERVER``, so it never
touches (or is touched by) another PulseAudio on the machine. Sound played into ``focus_sink``
(``paplay``, or sounddevice output) comes back on its monitor, which is the default source.

PortAudio lists devices once, when sounddevice is first imported, so start the server (and put
``env`` into ``os.environ``) before that import, or record in a subprocess given ``env``.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

SINK = "focus_sink"


class PulseServer:
    def __init__(self, rate: int = 48000, channels: int = 1):
        self.rate, self.channels = rate, channels
        self.dir = Path(tempfile.mkdtemp(prefix="focus-pulse-"))
        self.runtime = self.dir / "run"
        self.socket = self.runtime / "native"
        self.pid: int | None = None

    @property
    def env(self) -> dict[str, str]:
        """What a client process needs to talk to this server (and only this one)."""
        return {"PULSE_SERVER": f"unix:{self.socket}", "PULSE_SOURCE": f"{SINK}.monitor",
                "PULSE_SINK": SINK}

    def client_env(self, base: dict | None = None) -> dict[str, str]:
        env = dict(os.environ if base is None else base)
        env.update(self.env)
        return env

    def start(self) -> PulseServer:
        self.runtime.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ, PULSE_RUNTIME_PATH=str(self.runtime), HOME=str(self.dir),
                   XDG_CONFIG_HOME=str(self.dir / "config"), XDG_RUNTIME_DIR=str(self.runtime))
        env.pop("PULSE_SERVER", None)
        subprocess.run(
            ["pulseaudio", "-D", "--exit-idle-time=-1", "-n", "--use-pid-file=yes",
             "--load=module-native-protocol-unix",
             f"--load=module-null-sink sink_name={SINK} rate={self.rate} channels={self.channels}",
             f"--log-target=file:{self.dir / 'pulse.log'}"],
            env=env, check=True, timeout=30)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.socket.exists() and self.pactl("info", check=False).returncode == 0:
                break
            time.sleep(0.05)
        else:
            raise RuntimeError(f"PulseAudio did not start; see {self.dir / 'pulse.log'}")
        self.pid = int((self.runtime / "pid").read_text().split()[0])
        self.pactl("set-default-source", f"{SINK}.monitor")
        self.pactl("set-default-sink", SINK)
        return self

    def pactl(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(["pactl", *args], env=self.client_env(), capture_output=True,
                              text=True, check=check, timeout=15)

    def play(self, wav: Path | str) -> subprocess.Popen:
        """Play a file into the sink (in the background)."""
        return subprocess.Popen(["paplay", "-d", SINK, str(wav)], env=self.client_env(),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def kill(self) -> None:
        """The device "goes away": the server dies without warning."""
        if self.pid is not None:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self._wait_gone()
            self.pid = None

    def _wait_gone(self) -> None:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                os.kill(self.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)

    def stop(self) -> None:
        if self.pid is not None:
            try:
                os.kill(self.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            self._wait_gone()
            if self._alive():
                os.kill(self.pid, signal.SIGKILL)
            self.pid = None
        shutil.rmtree(self.dir, ignore_errors=True)

    def _alive(self) -> bool:
        try:
            os.kill(self.pid, 0)
            return True
        except ProcessLookupError:
            return False

    def __enter__(self) -> PulseServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def tone(path: Path, freq: float, seconds: float, rate: int = 48000, amplitude: float = 0.5) -> Path:
    """A sine tone as a 16-bit WAV (numpy + soundfile; no sox needed)."""
    import numpy as np
    import soundfile as sf

    t = np.arange(int(seconds * rate)) / rate
    sf.write(str(path), (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.float32), rate,
             subtype="PCM_16")
    return path


def dominant_frequency(samples, rate: int) -> float:
    import numpy as np

    x = np.asarray(samples, dtype=np.float64)
    if x.ndim > 1:
        x = x.mean(axis=1)
    x = x - x.mean()
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    return float(np.argmax(spectrum) * rate / len(x))
