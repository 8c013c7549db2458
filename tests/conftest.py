"""Shared fixtures: the tiny raw catalogue in ``tests/fixtures/raw``, built once per session."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from etl.build import EtlReport, build, run_etl
from recommender.engine import Engine

FIXTURE_RAW = Path(__file__).parent / "fixtures" / "raw"


@dataclass(frozen=True)
class BuiltData:
    """A data folder holding a copy of the fixtures and the version built from them."""

    data_dir: Path
    report: EtlReport

    @property
    def raw_dir(self) -> Path:
        return self.data_dir / "raw"

    @property
    def processed_dir(self) -> Path:
        return self.data_dir / "processed"


def copy_fixtures(data_dir: Path) -> Path:
    """Copy the raw fixtures to ``data_dir/raw`` and return that folder."""
    raw_dir = data_dir / "raw"
    shutil.copytree(FIXTURE_RAW, raw_dir)
    return raw_dir


@pytest.fixture(scope="session")
def fixture_raw() -> Path:
    """The committed raw fixtures; read them, never write to them."""
    return FIXTURE_RAW


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> BuiltData:
    """The fixtures built once with the real ETL; tests must only read it."""
    data_dir = tmp_path_factory.mktemp("built")
    raw_dir = copy_fixtures(data_dir)
    report = run_etl(raw_dir, data_dir / "processed")
    return BuiltData(data_dir, report)


@pytest.fixture(scope="session")
def report(built: BuiltData) -> EtlReport:
    return built.report


@pytest.fixture(scope="session")
def engine(built: BuiltData) -> Engine:
    return Engine.load(built.processed_dir)


@pytest.fixture(scope="session")
def records(fixture_raw: Path) -> pd.DataFrame:
    """The clean catalogue the ETL builds, one row per platform record, indexed by record id:
    every column, where the engine keeps only those it reads."""
    return build(fixture_raw).catalogue.set_index("id")


@pytest.fixture(scope="session")
def work_id_of(engine: Engine) -> Callable[[str, int], str]:
    """The ``work_id`` of the one work with this display title and release year."""

    def find(title: str, year: int) -> str:
        works = engine.works
        found = works.loc[(works["title_display"] == title) & (works["release_year"] == year)]
        assert len(found) == 1, f"{title} ({year}) is {len(found)} works"
        return str(found["work_id"].iloc[0])

    return find


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A fresh data folder whose ``raw/`` is a copy of the fixtures, free to change."""
    data_dir = tmp_path / "data"
    copy_fixtures(data_dir)
    return data_dir


@pytest.fixture
def raw_dir(data_dir: Path) -> Path:
    return data_dir / "raw"


@pytest.fixture
def built_copy(tmp_path: Path, built: BuiltData) -> BuiltData:
    """A private copy of the built data folder (raw and processed), free to change."""
    data_dir = tmp_path / "built"
    shutil.copytree(built.data_dir, data_dir)
    return BuiltData(data_dir, built.report)
