"""The layout of a built catalogue version under ``data/processed/``."""

from __future__ import annotations

from pathlib import Path

CURRENT_FILE = "CURRENT"
MANIFEST_FILE = "manifest.json"
REPORT_FILE = "report.json"
CATALOGUE_FILE = "catalogue.pkl"
WORKS_FILE = "works.pkl"
MODEL_FILE = "model.pkl"
MATCHER_FILE = "matcher.pkl"


def current_version(processed_dir: Path) -> str | None:
    """The version ``CURRENT`` points at, if it points at a complete version folder."""
    try:
        version = (processed_dir / CURRENT_FILE).read_text().strip()
    except OSError:
        return None
    if version and (processed_dir / version / MANIFEST_FILE).is_file():
        return version
    return None
