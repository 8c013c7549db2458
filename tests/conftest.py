"""Shared fixtures: the tiny raw catalogue in ``tests/fixtures/raw``, built once per session.

Any test may be an ``async def``: it runs on an event loop of its own (see
:func:`pytest_pyfunc_call`), and a fixture that needs that loop returns an
:class:`AsyncFixture`.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import inspect
import shutil
from collections.abc import Callable, Coroutine
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

import pandas as pd
import pytest

from etl.build import BuildResult, EtlReport, build, run_etl
from recommender.engine import Engine

FIXTURE_RAW = Path(__file__).parent / "fixtures" / "raw"
# Rows added to copies of raw/'s catalogues for the tests of variety (tests/fixtures/README.md).
FIXTURE_FRANCHISE = Path(__file__).parent / "fixtures" / "franchise"
REAL_RAW = Path(__file__).resolve().parent.parent / "data" / "raw"
T = TypeVar("T")


@dataclass(frozen=True)
class AsyncFixture(Generic[T]):
    """What a fixture returns for an ``async def`` test to get a value set up on the test's own
    event loop: the test receives what ``open()`` yields, and the loop closes it after the test.

    Fixtures are set up before that loop exists; ``open`` is called again for each example of a
    Hypothesis test, so each example gets a fresh value.
    """

    open: Callable[[], AbstractAsyncContextManager[T]]


async def _with_async_fixtures(
    test: Callable[..., Coroutine[Any, Any, None]], arguments: dict[str, Any]
) -> None:
    """Open the test's :class:`AsyncFixture` arguments in the order it names them, run it, and
    close them in reverse."""
    async with contextlib.AsyncExitStack() as opened:
        values = {
            name: await opened.enter_async_context(value.open())
            if isinstance(value, AsyncFixture)
            else value
            for name, value in arguments.items()
        }
        await test(**values)


def _on_a_fresh_loop(test: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., None]:
    """``test`` as a plain function that runs it with ``asyncio.run``."""

    @functools.wraps(test)
    def run(**arguments: Any) -> None:
        asyncio.run(_with_async_fixtures(test, arguments))

    return run


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    """Run an ``async def`` test on a fresh event loop, as ``asyncio.run`` does for a program.

    A hook, not pytest-asyncio: each test needs only a loop of its own, and the bot's tests a
    running bot (the ``bot`` fixture of ``tests/bot/conftest.py``), which an
    :class:`AsyncFixture` gives. Under ``@given`` the test Hypothesis calls for each example
    runs so, and Hypothesis stays the caller.

    No coroutine goes unawaited unnoticed: pytest fails an ``async def`` test no hook ran, and
    a coroutine never awaited warns, an error in this suite, when it is freed: at once on the
    test that dropped it, or, caught in a reference cycle, when the collector runs (at the
    latest at the session's end, which then fails).
    """
    test = pyfuncitem.obj
    given = getattr(test, "hypothesis", None)
    if given is not None and inspect.iscoroutinefunction(given.inner_test):
        given.inner_test = _on_a_fresh_loop(given.inner_test)
        return None
    if not inspect.iscoroutinefunction(test):
        return None
    arguments = {name: pyfuncitem.funcargs[name] for name in inspect.signature(test).parameters}
    _on_a_fresh_loop(test)(**arguments)
    return True


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


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under pytest-xdist (``--dist loadgroup``), the tests that read the real catalogue run on
    one worker, so that it is built once, not once per worker."""
    for item in items:
        if "real_build" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.xdist_group("real_build"))


@pytest.fixture(scope="session")
def real_build() -> BuildResult:
    """The real catalogue in data/raw built once, in memory, for the few tests that check the
    real data (a full build takes seconds: one per session)."""
    return build(REAL_RAW)


def add_franchise_rows(raw_dir: Path) -> None:
    """Append the rows of ``tests/fixtures/franchise`` to the catalogues in ``raw_dir``, each in
    its file's line ending."""
    for extra in sorted((FIXTURE_FRANCHISE / "catalogues").glob("*.csv")):
        rows = extra.read_text(encoding="utf-8").splitlines()[1:]
        catalogue = raw_dir / "catalogues" / extra.name
        ending = "\r\n" if b"\r\n" in catalogue.read_bytes() else "\n"
        with catalogue.open("a", encoding="utf-8", newline="") as file:
            file.write("".join(row + ending for row in rows))


@pytest.fixture(scope="session")
def franchise_built(tmp_path_factory: pytest.TempPathFactory) -> BuiltData:
    """The fixtures with a franchise, its shorts and language versions added
    (``tests/fixtures/franchise``), built once with the real ETL; tests must only read it."""
    data_dir = tmp_path_factory.mktemp("franchise")
    raw_dir = copy_fixtures(data_dir)
    add_franchise_rows(raw_dir)
    report = run_etl(raw_dir, data_dir / "processed")
    return BuiltData(data_dir, report)


@pytest.fixture(scope="session")
def franchise_engine(franchise_built: BuiltData) -> Engine:
    return Engine.load(franchise_built.processed_dir)


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
