"""The layout of the built versions (recommender/artifact.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from recommender.artifact import MANIFEST_FILE, VERSIONS_DIR, current_folder, version_folder


@pytest.mark.parametrize(
    ("current", "manifest", "expected"),
    [
        ("v1\n", True, "v1"),
        ("  v1  ", True, "v1"),
        ("v1\n", False, None),  # points at a folder without a manifest: incomplete
        ("v2\n", True, None),  # points at a folder that does not exist
        ("../versions/v1\n", True, None),  # not a version name
        ("", True, None),
        (None, True, None),  # no CURRENT at all
    ],
)
def test_current_folder(
    tmp_path: Path, current: str | None, manifest: bool, expected: str | None
) -> None:
    version_folder(tmp_path, "v1").mkdir(parents=True)
    if manifest:
        (version_folder(tmp_path, "v1") / MANIFEST_FILE).write_text("{}")
    if current is not None:
        (tmp_path / "CURRENT").write_text(current)
    folder = current_folder(tmp_path)
    assert folder == (None if expected is None else tmp_path / VERSIONS_DIR / expected)


def test_an_older_layout_has_no_current_folder(tmp_path: Path) -> None:
    """``CURRENT`` naming a folder directly under ``processed/``, as builds once wrote."""
    (tmp_path / "0123456789abcdef").mkdir()
    (tmp_path / "0123456789abcdef" / MANIFEST_FILE).write_text("{}")
    (tmp_path / "CURRENT").write_text("0123456789abcdef\n")
    assert current_folder(tmp_path) is None


def test_current_folder_of_a_missing_folder(tmp_path: Path) -> None:
    assert current_folder(tmp_path / "nowhere") is None
