"""The layout of a built version (recommender/artifact.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from recommender.artifact import MANIFEST_FILE, current_version


@pytest.mark.parametrize(
    ("current", "manifest", "expected"),
    [
        ("v1\n", True, "v1"),
        ("  v1  ", True, "v1"),
        ("v1\n", False, None),  # points at a folder without a manifest: incomplete
        ("v2\n", True, None),  # points at a folder that does not exist
        ("", True, None),
        (None, True, None),  # no CURRENT at all
    ],
)
def test_current_version(
    tmp_path: Path, current: str | None, manifest: bool, expected: str | None
) -> None:
    (tmp_path / "v1").mkdir()
    if manifest:
        (tmp_path / "v1" / MANIFEST_FILE).write_text("{}")
    if current is not None:
        (tmp_path / "CURRENT").write_text(current)
    assert current_version(tmp_path) == expected


def test_current_version_of_a_missing_folder(tmp_path: Path) -> None:
    assert current_version(tmp_path / "nowhere") is None
