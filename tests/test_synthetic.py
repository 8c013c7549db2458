"""The synthetic catalogue generator (``scripts/synthetic.py``), on the small fixtures."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pandas as pd
import pytest

from etl.build import EtlReport, build
from etl.extract import read_csv
from etl.platforms import load_registry
from etl.transform import RAW_COLUMNS

SCRIPT = Path(__file__).parent.parent / "scripts" / "synthetic.py"
_spec = importlib.util.spec_from_file_location("synthetic", SCRIPT)
assert _spec is not None and _spec.loader is not None
synthetic = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(synthetic)

TITLES = 600


@pytest.fixture(scope="module")
def generated(fixture_raw: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return synthetic.generate(fixture_raw, tmp_path_factory.mktemp("synthetic"), TITLES, seed=3)


def catalogues(raw_dir: Path) -> dict[str, pd.DataFrame]:
    return {
        platform.name: read_csv(raw_dir / "catalogues" / platform.file, RAW_COLUMNS)[0]
        for platform in load_registry(raw_dir)
    }


def test_files_have_the_raw_format_and_unique_ids(generated: Path) -> None:
    for frame in catalogues(generated).values():
        assert list(frame.columns) == list(RAW_COLUMNS)
        assert frame["show_id"].is_unique
        assert (frame["title"].str.strip() != "").all()


def test_row_count_and_platform_proportions(generated: Path, fixture_raw: Path) -> None:
    real = {name: len(frame) for name, frame in catalogues(fixture_raw).items()}
    made = {name: len(frame) for name, frame in catalogues(generated).items()}
    assert sum(made.values()) == TITLES
    for name, count in real.items():
        assert abs(made[name] - TITLES * count / sum(real.values())) < 1


def test_real_rows_are_kept_and_synthetic_rows_are_new(generated: Path, fixture_raw: Path) -> None:
    for name, real in catalogues(fixture_raw).items():
        made = catalogues(generated)[name]
        pd.testing.assert_frame_equal(made.iloc[: len(real)], real[list(RAW_COLUMNS)])
        assert made["show_id"].iloc[len(real) :].str.fullmatch(r"x\d+").all()


def test_the_real_etl_accepts_it(generated: Path, report: EtlReport) -> None:
    result = build(generated)
    # The fixtures' own faulty rows are kept, and only they are set aside.
    assert result.report.quarantined == report.quarantined
    assert result.report.titles == TITLES - len(report.quarantined)
    assert result.report.scored > 0
    assert result.engine().recommend("toy story").results


def test_same_seed_same_files_and_reuse(generated: Path, fixture_raw: Path, tmp_path: Path) -> None:
    again = synthetic.generate(fixture_raw, tmp_path, TITLES, seed=3)
    for path in sorted(generated.rglob("*.csv")):
        assert (again / path.relative_to(generated)).read_bytes() == path.read_bytes()
    written = (again / synthetic.MARKER).stat().st_mtime_ns
    assert synthetic.generate(fixture_raw, tmp_path, TITLES, seed=3) == again
    assert (again / synthetic.MARKER).stat().st_mtime_ns == written


def test_fewer_titles_than_the_source_is_refused(fixture_raw: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="below"):
        synthetic.generate(fixture_raw, tmp_path, 5)
