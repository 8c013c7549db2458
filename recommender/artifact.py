"""The layout of the built catalogue versions under ``data/processed/``.

Each version is a folder ``versions/<name>/`` holding the files named here; ``CURRENT`` holds
the name of the live one.
"""

from __future__ import annotations

from pathlib import Path

CURRENT_FILE = "CURRENT"
VERSIONS_DIR = "versions"
MANIFEST_FILE = "manifest.json"
REPORT_FILE = "report.json"
CATALOGUE_FILE = "catalogue.pkl"
WORKS_FILE = "works.pkl"
MODEL_FILE = "model.pkl"
MATCHER_FILE = "matcher.pkl"
PLOT_FILE = "plot.pkl"
THEMES_INDEX_FILE = "themes.pkl"
ELSEWHERE_INDEX_FILE = "elsewhere.pkl"


def version_folder(processed_dir: Path, name: str) -> Path:
    """The folder of the version called ``name``, whether it exists or not."""
    return processed_dir / VERSIONS_DIR / name


def current_folder(processed_dir: Path) -> Path | None:
    """The folder of the live version, if ``CURRENT`` names a complete version.

    An older layout (``CURRENT`` naming a folder directly under ``processed_dir``) has no live
    version here, so it is rebuilt rather than served.
    """
    try:
        name = (processed_dir / CURRENT_FILE).read_text().strip()
    except OSError:
        return None
    if not name or name.startswith(".") or Path(name).name != name:
        return None
    folder = version_folder(processed_dir, name)
    return folder if (folder / MANIFEST_FILE).is_file() else None
