"""The layout of the built versions (recommender/artifact.py)."""

from __future__ import annotations

import builtins
import json
import os
import pickle
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from etl.build import BuildResult, write_version
from etl.shared import file_hash
from recommender import artifact
from recommender.artifact import (
    ENGINE_FILE,
    FORMAT,
    MANIFEST_FILE,
    MAPPED_FROM,
    VERSIONS_DIR,
    Deferred,
    current_folder,
    version_folder,
)
from recommender.discovery import Slots
from recommender.engine import Engine, EngineHolder

THIS_FORMAT = json.dumps({"format": FORMAT})


@pytest.mark.parametrize(
    ("current", "manifest", "expected"),
    [
        ("v1\n", THIS_FORMAT, "v1"),
        ("  v1  ", THIS_FORMAT, "v1"),
        ("v1\n", None, None),  # points at a folder without a manifest: incomplete
        ("v1\n", "{}", None),  # written before formats were named: whole pickles
        ("v1\n", json.dumps({"format": FORMAT + 1}), None),
        ("v1\n", "{not json", None),
        ("v2\n", THIS_FORMAT, None),  # points at a folder that does not exist
        ("../versions/v1\n", THIS_FORMAT, None),  # not a version name
        ("", THIS_FORMAT, None),
        (None, THIS_FORMAT, None),  # no CURRENT at all
    ],
)
def test_current_folder(
    tmp_path: Path, current: str | None, manifest: str | None, expected: str | None
) -> None:
    version_folder(tmp_path, "v1").mkdir(parents=True)
    if manifest is not None:
        (version_folder(tmp_path, "v1") / MANIFEST_FILE).write_text(manifest)
    if current is not None:
        (tmp_path / "CURRENT").write_text(current)
    folder = current_folder(tmp_path)
    assert folder == (None if expected is None else tmp_path / VERSIONS_DIR / expected)


def test_an_older_layout_has_no_current_folder(tmp_path: Path) -> None:
    """``CURRENT`` naming a folder directly under ``processed/``, as builds once wrote."""
    (tmp_path / "0123456789abcdef").mkdir()
    (tmp_path / "0123456789abcdef" / MANIFEST_FILE).write_text(THIS_FORMAT)
    (tmp_path / "CURRENT").write_text("0123456789abcdef\n")
    assert current_folder(tmp_path) is None


def test_current_folder_of_a_missing_folder(tmp_path: Path) -> None:
    assert current_folder(tmp_path / "nowhere") is None


# -- the real catalogue, written as the ETL writes it and loaded back ----------------------------
NAME = "20260101T000000Z-000000000000"
TITLES = ("toy story", "stranger thngs", "narcos", "the office", "breaking bad")
REQUEST = Slots(genres=("comedy",), platforms=("netflix",), about="a heist", year_min=1990)
PLOT = "the show where a chemistry teacher makes drugs"
QUESTIONS = (
    lambda catalogue: catalogue.longest(),
    lambda catalogue: catalogue.newest(["netflix"]),
    lambda catalogue: catalogue.score_count("netflix", 7, 2019),
    lambda catalogue: catalogue.count("hulu"),
    lambda catalogue: catalogue.actor("netflix", 2019),
    lambda catalogue: catalogue.country("movie", "india", 2018),
    lambda catalogue: catalogue.rating("pg-13"),
)


@pytest.fixture(scope="module")
def written(real_build: BuildResult, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ``processed`` folder holding the real catalogue as version ``NAME``."""
    processed = tmp_path_factory.mktemp("written") / "processed"
    write_version(replace(real_build, report=replace(real_build.report, version=NAME)), processed)
    return processed


def test_a_written_version_answers_as_the_build_did(real_build: BuildResult, written: Path) -> None:
    built, loaded = real_build.engine(), Engine.load(written, NAME)
    for title in TITLES:
        answer = loaded.recommend(title)
        assert answer.results, title
        assert answer == built.recommend(title)
    assert loaded.discover(REQUEST) == built.discover(REQUEST)
    assert loaded.discover(REQUEST).results
    np.testing.assert_array_equal(loaded.topic_scores(PLOT), built.topic_scores(PLOT))
    assert loaded.elsewhere.find("interstellar") == built.elsewhere.find("interstellar")
    work_id = built.match("toy story")[0].work_id
    assert loaded.details(work_id) == built.details(work_id)
    assert loaded.like_known(loaded.elsewhere.find("interstellar")[0]) == built.like_known(
        built.elsewhere.find("interstellar")[0]
    )
    for question in QUESTIONS:
        assert question(loaded.catalogue) == question(built.catalogue)


def assert_same(loaded: object, built: object, where: str = "engine") -> None:
    """``loaded`` holds what ``built`` does, object by object down to the arrays."""
    if isinstance(built, Deferred):
        assert isinstance(loaded, Deferred), where
        assert_same(loaded.value, built.value, f"{where}.value")
    elif isinstance(built, pd.DataFrame):
        # Through plain pickle, its mapped columns come back as arrays pandas compares.
        pd.testing.assert_frame_equal(pickle.loads(pickle.dumps(loaded)), built, obj=where)
    elif isinstance(built, np.ndarray) and built.dtype == object:  # text, with pd.NA
        assert isinstance(loaded, np.ndarray) and loaded.dtype == object, where
        pd.testing.assert_series_equal(pd.Series(loaded), pd.Series(built), obj=where)
    elif isinstance(built, np.ndarray):
        np.testing.assert_array_equal(loaded, built, err_msg=where, strict=True)
    elif sp.issparse(built):
        assert sp.issparse(loaded) and loaded.shape == built.shape, where
        assert (loaded != built).nnz == 0, where
    elif isinstance(built, dict):
        assert isinstance(loaded, dict) and list(loaded) == list(built), where
        for key, value in built.items():
            assert_same(loaded[key], value, f"{where}[{key!r}]")
    elif isinstance(built, list | tuple):
        assert type(loaded) is type(built) and len(loaded) == len(built), where
        for position, (ours, theirs) in enumerate(zip(loaded, built, strict=True)):
            assert_same(ours, theirs, f"{where}[{position}]")
    elif hasattr(built, "__dict__") and not callable(built):
        assert type(loaded) is type(built), where
        # The build's parts are shared by the tests, which may have filled a cache since.
        ours, theirs = loaded.__getstate__(), built.__getstate__()
        assert_same(ours, {name: value for name, value in theirs.items() if name in ours}, where)
    else:
        assert loaded == built, where


def test_a_written_version_holds_what_the_engine_works_out_from_its_parts(
    real_build: BuildResult, written: Path
) -> None:
    """Loading computes nothing per title: the version holds every table the engine and its
    catalogue work out from the parts (version groups, shorts, each work's records, the
    questions' answers, the discovery facets…), equal to what their own code works out."""
    build = replace(real_build, report=replace(real_build.report, version=NAME))
    built, loaded = build.engine().prepare(), Engine.load(written, NAME)
    assert {"_version_group", "_short", "_facets", "_directors"} < set(vars(loaded))
    assert {"_top_actors", "_longest_answers", "_newest_first"} < set(vars(loaded.catalogue))
    assert sorted(vars(loaded)) == sorted(vars(built))
    assert list(vars(loaded.catalogue)) == list(vars(built.catalogue))
    del vars(loaded)["_kept_candidates"], vars(built)["_kept_candidates"]  # functions
    assert_same(dict(sorted(vars(loaded).items())), dict(sorted(vars(built).items())))


def test_the_large_arrays_are_mapped_read_only_and_stay_sparse(written: Path) -> None:
    engine = Engine.load(written, NAME).prepare()
    engine.recommend("toy story")
    matrices = {
        "vectors": engine.model.vectors_,
        "postings": engine.model.postings_,
        "matcher": engine.matcher.postings_,
        "plot": engine.plot.postings_,
        "themes": engine.themes.works_,
    }
    arrays = {
        **{f"{name}.data": matrix.data for name, matrix in matrices.items()},
        **{f"{name}.indices": matrix.indices for name, matrix in matrices.items()},
        "vectors.indptr": engine.model.vectors_.indptr,
        "pair_work_": engine.matcher.pair_work_,
        "pair_weight_": engine.matcher.pair_weight_,
    }
    for name, matrix in matrices.items():
        assert isinstance(matrix, sp.csr_matrix), name
    for name, array in arrays.items():
        assert array.nbytes >= MAPPED_FROM, name
        assert isinstance(array, np.memmap), name
        assert array.mode == "r" and not array.flags.writeable, name


def test_a_served_engine_opens_its_version_read_only(
    written: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = version_folder(written, NAME)
    before = {path.name: file_hash(path) for path in folder.iterdir()}
    opened: list[tuple[str, str]] = []
    real_open = builtins.open

    def recording_open(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if isinstance(file, str | os.PathLike) and Path(file).parent == folder:
            opened.append((Path(file).name, mode))
        return real_open(file, mode, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", recording_open)
    engine = Engine.load(written, NAME).prepare()
    for title in TITLES:
        engine.recommend(title)
    engine.discover(REQUEST)
    engine.topic_scores(PLOT)
    monkeypatch.undo()
    names = {name for name, _ in opened}
    assert ENGINE_FILE in names
    assert any(name.endswith(".npy") for name in names)
    assert {mode for _, mode in opened} == {"rb"}
    assert {path.name: file_hash(path) for path in folder.iterdir()} == before


def test_the_record_table_loads_once_on_first_use_and_answers_as_built(
    real_build: BuildResult, written: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A version's engine answers titles without its record table (nor the newest titles);
    catalogue questions and a work's details asked while they load, from several threads,
    wait for the one load of each and answer as the build did."""
    built = real_build.engine()
    loaded = Engine.load(written, NAME).prepare()
    loads: list[str] = []
    started, release = threading.Event(), threading.Event()
    real_load = artifact.load

    def slow_load(folder: Path, name: str) -> Any:
        loads.append(name)
        started.set()
        assert release.wait(10)
        return real_load(folder, name)

    monkeypatch.setattr(artifact, "load", slow_load)
    assert loaded.recommend("toy story") == built.recommend("toy story")
    assert len(loaded.catalogue) == len(built.catalogue)
    assert loads == []
    work_id = built.match("toy story")[0].work_id
    # The details read the record table; most questions' answers are worked out already.
    asks = [lambda _: loaded.details(work_id), lambda _: loaded.where(work_id), *QUESTIONS]
    answers: dict[int, object] = {}

    def ask(number: int) -> None:
        answers[number] = asks[number](loaded.catalogue)

    threads = [threading.Thread(target=ask, args=(number,)) for number in range(len(asks))]
    threads[0].start()
    assert started.wait(10)  # the first question is loading the table: the others ask now
    for thread in threads[1:]:
        thread.start()
    release.set()
    for thread in threads:
        thread.join(10)
    assert sorted(loads) == ["engine.0.pkl", "engine.1.pkl"]
    assert answers == {0: built.details(work_id), 1: built.where(work_id)} | {
        number: question(built.catalogue) for number, question in enumerate(QUESTIONS, 2)
    }


def test_warm_and_a_swap_load_the_record_table(real_build: BuildResult, written: Path) -> None:
    engine = Engine.load(written, NAME).prepare()
    assert vars(engine)["_record_columns"] is None
    engine.warm()
    assert vars(engine)["_record_columns"] is not None
    assert list(engine.catalogue.records["id"]) == engine._read_record_columns()["id"].tolist()
    holder = EngineHolder(engine)
    holder.swap(Engine.load(written, NAME))
    assert vars(holder.engine)["_record_columns"] is not None
