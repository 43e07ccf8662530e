"""A private X display for the tests on the real xcb platform: Xvfb on a free display number, and openbox, a
window manager, so windows get frames, placement and maximising as on a desktop.

No sleeps: Xvfb writes its display number to a pipe once it accepts connections (-displayfd), and openbox runs a
start-up command once it manages the screen, which writes to a pipe we wait on."""

from __future__ import annotations

import os
import random
import select
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

PROGRAMS = {"Xvfb": "xvfb", "openbox": "openbox"}  # program -> Debian package (build/bootstrap.sh installs them)
START_TIMEOUT_S = 30


class XServerError(RuntimeError):
    pass


def missing_programs() -> list[str]:
    return [f"{program} (Debian package {package})" for program, package in PROGRAMS.items()
            if shutil.which(program) is None]


def _read_line_within(fd: int, timeout: float, what: str) -> str:
    """One line from a pipe ("" at end of file), or XServerError after `timeout` seconds. Read to the newline:
    Xvfb writes its number and the newline apart, and dies (EPIPE) if the pipe closes between them."""
    data = b""
    while not data.endswith(b"\n"):
        ready, _, _ = select.select([fd], [], [], timeout)
        if not ready:
            raise XServerError(f"{what} did not start within {timeout:.0f} s")
        chunk = os.read(fd, 64)
        if not chunk:
            break
        data += chunk
    return data.decode().strip()


@dataclass
class XServer:
    """Xvfb with openbox on it; `env()` is the environment a Qt program needs to use it."""

    width: int
    height: int
    display: str = ""
    folder: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="ruralwatch-x-")))
    _processes: list[subprocess.Popen] = field(default_factory=list)

    @classmethod
    def start(cls, width: int, height: int) -> XServer:
        missing = missing_programs()
        if missing:
            raise XServerError("missing: " + ", ".join(missing) + " (build/bootstrap.sh installs them)")
        server = cls(width, height)
        try:
            server._start_xvfb()
            server._start_openbox()
        except BaseException:
            server.stop()
            raise
        return server

    def _start_xvfb(self) -> None:
        """Xvfb on a display number of our own choosing (other sessions on this machine start X servers too, and
        two Xvfbs left to pick the first free number race for it): a random free one, another on failure."""
        tried = []
        for number in random.sample(range(100, 1000), 8):
            if Path(f"/tmp/.X{number}-lock").exists() or Path(f"/tmp/.X11-unix/X{number}").exists():
                continue
            tried.append(number)
            if self._try_xvfb(number):
                self.display = f":{number}"
                return
        raise XServerError(f"Xvfb did not start on displays {tried}: see {self.folder / 'xvfb.log'}")

    def _try_xvfb(self, number: int) -> bool:
        read_fd, write_fd = os.pipe()
        try:
            xvfb = subprocess.Popen(
                ["Xvfb", f":{number}", "-displayfd", str(write_fd), "-screen", "0",
                 f"{self.width}x{self.height}x24", "-nolisten", "tcp", "-noreset"],
                pass_fds=(write_fd,), stdout=subprocess.DEVNULL, stderr=open(self.folder / "xvfb.log", "ab"))
            os.close(write_fd)
            write_fd = -1
            written = _read_line_within(read_fd, START_TIMEOUT_S, "Xvfb")  # "" when it exited: the number was taken
        finally:
            os.close(read_fd)
            if write_fd >= 0:
                os.close(write_fd)
        if written == str(number) and xvfb.poll() is None:
            self._processes.append(xvfb)
            return True
        if xvfb.poll() is None:
            xvfb.kill()
        xvfb.wait()
        return False

    def _start_openbox(self) -> None:
        fifo = self.folder / "openbox-ready"
        os.mkfifo(fifo)
        read_fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
        try:
            env = {**os.environ, "DISPLAY": self.display, "HOME": str(self.folder)}
            env.pop("XDG_CONFIG_HOME", None)
            self._processes.append(subprocess.Popen(
                ["openbox", "--sm-disable", "--startup", f"sh -c 'echo ok > {fifo}'"],
                env=env, stdout=subprocess.DEVNULL, stderr=open(self.folder / "openbox.log", "wb")))
            _read_line_within(read_fd, START_TIMEOUT_S, "openbox")
        finally:
            os.close(read_fd)

    def env(self, scale: float | None = None) -> dict[str, str]:
        env = {**os.environ, "DISPLAY": self.display, "QT_QPA_PLATFORM": "xcb"}
        env.pop("WAYLAND_DISPLAY", None)
        env.pop("QT_SCALE_FACTOR", None)
        if scale is not None:
            env["QT_SCALE_FACTOR"] = str(scale)
        return env

    def stop(self) -> None:
        for process in reversed(self._processes):
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        self._processes.clear()
        shutil.rmtree(self.folder, ignore_errors=True)
