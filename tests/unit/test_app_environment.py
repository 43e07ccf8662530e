"""What the composition root tells QtWebEngine before Qt starts."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from ruralwatch.app import prepare_qt_environment


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="graphics devices are looked for on Linux")
def test_without_a_graphics_device_the_page_is_composited_in_software(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("QTWEBENGINE_CHROMIUM_FLAGS", "")
    prepare_qt_environment(dri_folder=tmp_path / "dri")  # no such folder: no device
    assert "--disable-gpu" in sys_flags()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="graphics devices are looked for on Linux")
def test_with_a_graphics_device_the_gpu_is_used(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "renderD128").touch()
    monkeypatch.setenv("QTWEBENGINE_CHROMIUM_FLAGS", "")
    prepare_qt_environment(dri_folder=tmp_path)
    assert "--disable-gpu" not in sys_flags()
    assert "--disable-dev-shm-usage" in sys_flags()


def test_a_gpu_flag_given_by_the_user_is_left_alone(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("QTWEBENGINE_CHROMIUM_FLAGS", "--ignore-gpu-blocklist")
    prepare_qt_environment(dri_folder=tmp_path / "dri")
    assert "--disable-gpu" not in sys_flags() and "--ignore-gpu-blocklist" in sys_flags()


def sys_flags() -> list[str]:
    return os.environ["QTWEBENGINE_CHROMIUM_FLAGS"].split()
