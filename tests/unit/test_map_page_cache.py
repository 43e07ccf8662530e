"""The window's map page is built by folium once and kept (ruralwatch.mapping.map_page): a window whose page has
not changed takes it from the cache without importing folium (about 40 MB of memory, issue 21); anything the page
shows that changes builds it again."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import ruralwatch.mapping.page as page_module
from ruralwatch.mapping.geography import shipped_geography
from ruralwatch.mapping.map_page import CACHE_PREFIX, TileLayerSpec, write_map_page

ROOT = Path(__file__).resolve().parents[2]
SUFFOLK = "E23000025"
BASEMAP = TileLayerSpec("plain", "Plain", "rwtiles://plain/{z}/{x}/{y}.png", 0, 14)


@pytest.fixture
def builds(monkeypatch) -> list[int]:
    """Counts the pages folium builds."""
    made: list[int] = []
    real = page_module.build_map_html

    def counting(*args, **kwargs):
        made.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(page_module, "build_map_html", counting)
    return made


def test_the_same_page_is_built_once_and_taken_from_the_cache(tmp_path: Path, builds: list[int]) -> None:
    cache = tmp_path / "cache"
    first = write_map_page(tmp_path / "a", (BASEMAP,), cache=cache).read_text(encoding="utf-8")
    second = write_map_page(tmp_path / "b", (BASEMAP,), cache=cache).read_text(encoding="utf-8")
    assert len(builds) == 1 and first == second and "rwtiles://plain/" in first


def test_what_the_page_shows_changing_builds_it_again(tmp_path: Path, builds: list[int]) -> None:
    cache = tmp_path / "cache"
    essex = write_map_page(tmp_path / "a", (BASEMAP,), cache=cache).read_text(encoding="utf-8")
    no_basemap = write_map_page(tmp_path / "b", (), cache=cache).read_text(encoding="utf-8")
    suffolk = write_map_page(tmp_path / "c", (), geography=shipped_geography(SUFFOLK), cache=cache)
    assert len(builds) == 3
    assert "rwtiles://plain/" in essex and "rwtiles://plain/" not in no_basemap
    assert "Suffolk" in suffolk.read_text(encoding="utf-8")
    assert len(list(cache.glob(f"{CACHE_PREFIX}*.html"))) == 1  # only the page last shown is kept


def test_an_unreadable_cache_is_built_again(tmp_path: Path, builds: list[int]) -> None:
    cache = tmp_path / "cache"
    write_map_page(tmp_path / "a", (), cache=cache)
    for kept in cache.glob(f"{CACHE_PREFIX}*.html"):
        kept.write_bytes(b"\xff\xfe not text")
    page = write_map_page(tmp_path / "b", (), cache=cache)
    assert len(builds) == 2 and "window.RW_CONFIG" in page.read_text(encoding="utf-8")


def test_a_cache_that_cannot_be_written_only_costs_a_rebuild(tmp_path: Path, builds: list[int]) -> None:
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("x")
    page = write_map_page(tmp_path / "a", (), cache=blocked / "cache")
    assert len(builds) == 1 and "window.RW_CONFIG" in page.read_text(encoding="utf-8")


def test_a_window_whose_page_is_kept_does_not_import_folium(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    write_map_page(tmp_path / "a", (), cache=cache)
    script = (
        "import sys; from pathlib import Path; from ruralwatch.mapping.map_page import write_map_page; "
        f"write_map_page(Path({str(tmp_path / 'b')!r}), (), cache=Path({str(cache)!r})); "
        "print(sorted(m for m in ('folium', 'numpy', 'pandas') if m in sys.modules))"
    )
    found = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    assert found.stdout.strip() == "[]"
