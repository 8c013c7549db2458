"""Measure how StreamBot grows with the catalogue (``make scale``), and print one table.

Three sizes: the real catalogue (23k titles) and synthetic ones of 100k and 1M titles
(``scripts/synthetic.py``: the real rows plus rows sampled from them, reused from
``data/scale/<n>/raw`` when present). For each size, every step runs in a fresh interpreter, so
one size's memory never inflates the next:

- build: ``run_etl`` from raw CSVs into an emptied ``processed/`` beside them (``data/scale/<n>``,
  or ``data/scale/real`` for the real catalogue): wall time, the model and matcher fits within
  it, peak RSS, artifact size on disk;
- start-up: from spawn to an engine loaded from the version, prepared, that has answered a
  ``recommend`` and a ``match`` (median of 2), and the peak RSS of that; beside it the way
  versions were written before format 3, measured in the same run: the engine's parts pickled
  whole (the arrays inside) and everything the engine works out from them worked out at load;
  with ``STREAMBOT_SCALE_POSTGRES_URL`` set, also how long a new instance on an empty disk
  takes to fetch the real catalogue's version from PostgreSQL (``SharedCatalogue.fetch``),
  published into a schema of its own, dropped afterwards;
- serving: peak RSS of a process holding ``telegram.ext`` and the engine after it has answered
  (as ``make bench`` measures it);
- latency: ``TitleMatcher.match`` and ``Engine.recommend`` on noisy queries made from real titles
  (typos, case, accents, missing articles and subtitles: the noise of ``make eval``), so every
  size answers the same kind of query against a larger haystack; ``Engine.similar`` on random
  works; ``Engine.discover`` on the templated slot requests of ``make eval``, after
  ``Engine.prepare`` has built the tables a server builds before serving (timed).

Peers, measured in the same run: rapidfuzz ``extractOne`` (``WRatio``, ``default_process``) over
every title for ``match``; for ``discover``, every work ranked by the TF-IDF cosine of the
request's words with its description, unfiltered; for ``similar``, a sparse product of the
work's row with every work and a full ``argsort``, and the dense N x N ``cosine_similarity``
matrix where it fits in memory (at most a quarter of RAM); where it does not, the size it
would need is printed instead.
Nothing is asserted: read the ratios within one run, since the machine is noisy.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SCALE_DIR = ROOT / "data" / "scale"
RESULTS_FILE = SCALE_DIR / "results.json"
SIZES = {"23k": None, "100k": 100_000, "1M": 1_000_000}  # None: the real catalogue
SEED = 20240601
QUERIES = 300
PEER_MATCH_QUERIES = 20
PEER_SIMILAR_QUERIES = 50
STARTUP_RUNS = 2
# What an instance does before it serves, in a fresh interpreter, which prints its peak RSS and
# the time it answered; ``{load}`` makes ``engine``.
START_UP = """
import resource, time
{load}
engine.prepare().recommend("toy story")
engine.match("stranger thngs")
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, time.monotonic())
"""
LOAD_VERSION = """
from pathlib import Path
from recommender.engine import Engine
engine = Engine.load(Path({processed!r}))
"""
LOAD_PARTS = """
import pickle
from recommender.engine import Engine
with open({parts!r}, "rb") as file:
    engine = Engine(**pickle.load(file))
"""
MIB = 2**20
# The dense N x N float32 peer is built only when it takes at most this share of RAM.
DENSE_RAM_SHARE = 0.25


def data_dir(size: str) -> Path:
    """``data/scale/<n>`` (as ``scripts/synthetic.py <n>`` writes it), ``data/scale/real``."""
    n = SIZES[size]
    return SCALE_DIR / ("real" if n is None else str(n))


def raw_dir(size: str) -> Path:
    n = SIZES[size]
    return ROOT / "data" / "raw" if n is None else data_dir(size) / "raw"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# -- steps, each run in its own interpreter ------------------------------------------------------
def step_generate(size: str) -> dict[str, Any]:
    from synthetic import generate

    started = time.perf_counter()
    generate(ROOT / "data" / "raw", data_dir(size), SIZES[size], SEED)
    return {"generate_s": time.perf_counter() - started}


def step_build(size: str) -> dict[str, Any]:
    from etl.build import run_etl
    from recommender.artifact import current_folder
    from recommender.matcher import TitleMatcher
    from recommender.model import ContentModel

    fits: dict[str, float] = {}
    for estimator in (ContentModel, TitleMatcher):
        _time_calls(estimator, "fit", fits, estimator.__name__)
    processed = data_dir(size) / "processed"
    shutil.rmtree(processed, ignore_errors=True)  # a kept version would skip the writing
    started = time.perf_counter()
    report = run_etl(raw_dir(size), processed)
    seconds = time.perf_counter() - started
    folder = current_folder(processed)
    assert folder is not None
    return {
        "titles": report.titles,
        "works": report.works,
        "build_s": seconds,
        "model_fit_s": fits["ContentModel"],
        "matcher_fit_s": fits["TitleMatcher"],
        "build_rss_mb": peak_rss_mb(),
        "artifact_mb": sum(path.stat().st_size for path in folder.iterdir()) / MIB,
    }


def _time_calls(owner: type, name: str, seconds: dict[str, float], label: str) -> None:
    """Wrap ``owner.name`` so each call adds its duration to ``seconds[label]``."""
    method = getattr(owner, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return method(*args, **kwargs)
        finally:
            seconds[label] = seconds.get(label, 0.0) + time.perf_counter() - started

    setattr(owner, name, wrapper)


def step_serve(size: str) -> dict[str, Any]:
    import random

    import numpy as np
    from bench import (
        HOLD_EVERYTHING,
        accuracy,
        dense_similarity,
        discovery_peer,
        extract_one,
        noisy_queries,
        run_fresh,
        timed,
    )
    from rapidfuzz import utils

    from recommender.engine import Engine
    from recommender.evaluation import describe, discovery_queries

    # bench's fresh interpreters find the version through the data folder.
    os.environ["STREAMBOT_DATA_DIR"] = str(data_dir(size))
    processed = data_dir(size) / "processed"
    results: dict[str, Any] = {}
    results["startup_s"], results["startup_rss_mb"] = start_up(
        LOAD_VERSION.format(processed=str(processed))
    )
    results["serve_rss_mb"] = run_fresh(HOLD_EVERYTHING, with_dense=False, relay=True)[1]
    url = os.environ.get("STREAMBOT_SCALE_POSTGRES_URL")
    if url and SIZES[size] is None:
        results["fetch_s"] = fetch_seconds(processed, url)

    engine = Engine.load(processed)
    parts = data_dir(size) / "parts.pkl"
    with open(parts, "wb") as file:
        pickle.dump(
            {
                "registry": engine.registry,
                "records": engine.catalogue.records,
                "works": engine.works,
                "model": engine.model,
                "matcher": engine.matcher,
                "version": engine.version,
                "plot": engine.plot,
                "themes": engine.themes,
                "elsewhere": engine.elsewhere,
            },
            file,
            protocol=pickle.HIGHEST_PROTOCOL,
        )
    try:
        results["peer_startup_s"], results["peer_startup_rss_mb"] = start_up(
            LOAD_PARTS.format(parts=str(parts))
        )
    finally:
        parts.unlink()
    works = engine.works
    titles = works["title_display"].tolist()
    # Queries come from the real titles (ids "ns123"; synthetic ones are "nx123").
    real = [title for title, record in zip(titles, works["id"], strict=True) if record[1] == "s"]
    pairs = noisy_queries(real, QUERIES, random.Random(SEED))
    queries, sources = [query for query, _ in pairs], [source for _, source in pairs]

    def match(query: str) -> str | None:
        candidates = engine.matcher.match(query)
        return titles[candidates[0].work] if candidates else None

    match_timings, recommend_timings = timed([match, engine.recommend], queries)
    results |= _percentiles("match", match_timings)
    results |= _percentiles("recommend", recommend_timings)
    results["match_accuracy"] = 100 * accuracy(match_timings.answers, sources)

    subset = queries[:PEER_MATCH_QUERIES]
    beside, peer = timed([match, extract_one(titles, utils.default_process)], subset)
    results["peer_match_p50_ms"], results["beside_match_p50_ms"] = peer.p50, beside.p50
    results["peer_match_accuracy"] = 100 * accuracy(peer.answers, sources[: len(subset)])

    started = time.perf_counter()
    engine.prepare()
    results["prepare_s"] = time.perf_counter() - started
    requests = discovery_queries(engine, QUERIES, SEED)
    peer = discovery_peer(engine)
    discover, peer_discover = timed(
        [engine.discover, lambda slots: peer(describe(slots))], requests
    )
    results |= _percentiles("discover", discover)
    results["peer_discover_p50_ms"] = peer_discover.p50

    rng = np.random.default_rng(SEED)
    rows = rng.choice(engine.model.n_works, QUERIES, replace=False)
    work_ids = works["work_id"].to_numpy()
    (similar,) = timed([lambda row: engine.similar(work_ids[row])], rows)
    results |= _percentiles("similar", similar)
    vectors = engine.model.vectors_

    def product(row: int) -> np.ndarray:
        scores = (vectors @ vectors[row].T).toarray().ravel()
        return np.argsort(-scores)[:6]

    beside, peer = timed(
        [lambda row: engine.model.similar(row, k=5), product], rows[:PEER_SIMILAR_QUERIES]
    )
    results["peer_product_p50_ms"], results["beside_core_p50_ms"] = peer.p50, beside.p50

    n = engine.model.n_works
    results["dense_mb"] = n * n * 4 / MIB
    total_ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    if n * n * 4 <= DENSE_RAM_SHARE * total_ram:
        started = time.perf_counter()
        dense = dense_similarity(engine)
        results["dense_build_s"] = time.perf_counter() - started
        (peer,) = timed([lambda row: np.argsort(-dense[row])[:6]], rows[:PEER_SIMILAR_QUERIES])
        results["dense_p50_ms"] = peer.p50
    return results


def start_up(load: str) -> tuple[float, float]:
    """``START_UP`` with ``load``: seconds from spawn to its answers (median of
    ``STARTUP_RUNS``), and its peak RSS in MB. A small interpreter starts each: Linux carries a
    parent's peak RSS into its child's, and this one may hold an engine."""
    from bench import RELAY

    code = START_UP.format(load=load)
    seconds, rss = [], 0.0
    for _ in range(STARTUP_RUNS):
        started = time.monotonic()
        output = subprocess.run(
            [sys.executable, "-c", RELAY, sys.executable, "-c", code],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
            check=True,
        ).stdout.split()
        rss = max(rss, float(output[-2]))
        seconds.append(float(output[-1]) - started)
    return statistics.median(seconds), rss


def fetch_seconds(processed: Path, url: str) -> float:
    """Seconds to fetch the live version in ``processed`` into an empty folder from the
    PostgreSQL database at ``url``, once published there, in a new schema dropped after."""
    import tempfile
    import uuid

    from sqlalchemy import create_engine, make_url, text

    from etl.shared import SharedCatalogue
    from etl.versions import live_name

    schema = f"scale_{uuid.uuid4().hex}"
    admin = create_engine(make_url(url).set(drivername="postgresql+psycopg"))
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        own = make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
        shared = SharedCatalogue(own)
        try:
            name = live_name(processed)
            assert name is not None
            shared.publish(processed, name)
            with tempfile.TemporaryDirectory() as empty:
                started = time.perf_counter()
                shared.fetch(Path(empty), name)
                return time.perf_counter() - started
        finally:
            shared.close()
    finally:
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def _percentiles(name: str, timings: Any) -> dict[str, float]:
    return {f"{name}_p50_ms": timings.p50, f"{name}_p99_ms": timings.p99}


STEPS: dict[str, Callable[[str], dict[str, Any]]] = {
    "generate": step_generate,
    "build": step_build,
    "serve": step_serve,
}


def run_step(step: str, size: str) -> dict[str, Any]:
    """Run one step in a fresh interpreter and return what it measured."""
    command = [sys.executable, __file__, "--step", step, size]
    # The step imports its siblings (``bench``) by name, and they import ``scripts.…``.
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    started = time.monotonic()
    result = subprocess.run(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True, check=True
    )
    print(f"  {size}: {step} took {time.monotonic() - started:,.0f} s", file=sys.stderr)
    return json.loads(result.stdout.splitlines()[-1])


# -- the table -----------------------------------------------------------------------------------
def _value(result: dict[str, Any], key: str, unit: str) -> str:
    value = result.get(key)
    if value is None:
        return "-"
    if unit == "count":
        return f"{value:,}"
    decimals = {"ms": 1, "s": 1, "MB": 0, "%": 1}[unit]
    return f"{value:,.{decimals}f} {unit}"


def _dense(result: dict[str, Any]) -> str:
    if "dense_mb" not in result:
        return "-"
    size = f"{result['dense_mb'] / 1024:,.1f} GB"
    return size if "dense_build_s" in result else f"{size}: cannot exist"


# (metric, target, key, unit); a key of None is a formatter of a whole result.
TABLE: list[tuple[str, str, Any, str]] = [
    ("titles", "", "titles", "count"),
    ("works", "", "works", "count"),
    ("ETL + model build (run_etl), wall", "1M completes", "build_s", "s"),
    ("  of which ContentModel.fit", "", "model_fit_s", "s"),
    ("  of which TitleMatcher.fit", "", "matcher_fit_s", "s"),
    ("peak RSS, build", "<= 6,144 MB", "build_rss_mb", "MB"),
    ("artifact on disk", "", "artifact_mb", "MB"),
    (f"start-up: load, prepare, answer; median of {STARTUP_RUNS}", "1M < 5 s", "startup_s", "s"),
    ("  peer: parts pickled whole, engine worked out at load", "", "peer_startup_s", "s"),
    ("peak RSS, start-up", "", "startup_rss_mb", "MB"),
    ("  peer: parts pickled whole", "", "peer_startup_rss_mb", "MB"),
    ("fetch the version from PostgreSQL, empty disk", "", "fetch_s", "s"),
    ("peak RSS, serving (telegram.ext + engine)", "<= 6,144 MB", "serve_rss_mb", "MB"),
    (f"match p50, {QUERIES} noisy real titles", "<= 100 ms", "match_p50_ms", "ms"),
    ("match p99", "", "match_p99_ms", "ms"),
    ("match top-1 accuracy", "", "match_accuracy", "%"),
    (f"  match p50, first {PEER_MATCH_QUERIES} queries", "", "beside_match_p50_ms", "ms"),
    ("  peer: extractOne WRatio p50", "", "peer_match_p50_ms", "ms"),
    ("  peer: extractOne WRatio top-1 accuracy", "", "peer_match_accuracy", "%"),
    ("recommend p50 (match + similar + reasons)", "<= 100 ms", "recommend_p50_ms", "ms"),
    ("recommend p99", "", "recommend_p99_ms", "ms"),
    ("Engine.prepare (tables built before serving)", "", "prepare_s", "s"),
    (f"discover p50, {QUERIES} templated requests", "<= 150 ms", "discover_p50_ms", "ms"),
    ("discover p99", "", "discover_p99_ms", "ms"),
    ("  peer: description-only TF-IDF, unfiltered p50", "", "peer_discover_p50_ms", "ms"),
    (f"Engine.similar p50, {QUERIES} random works", "", "similar_p50_ms", "ms"),
    ("Engine.similar p99", "", "similar_p99_ms", "ms"),
    (f"  model.similar p50, {PEER_SIMILAR_QUERIES} works", "", "beside_core_p50_ms", "ms"),
    ("  peer: row x every work, argsort p50", "", "peer_product_p50_ms", "ms"),
    ("  peer: dense N x N float32 size", "", _dense, ""),
    ("  peer: dense N x N build", "", "dense_build_s", "s"),
    ("  peer: dense N x N row argsort p50", "", "dense_p50_ms", "ms"),
]


def format_table(results: dict[str, dict[str, Any]]) -> str:
    header = ["metric", "target", *results]
    lines = [
        [metric, target]
        + [
            key(result) if callable(key) else _value(result, key, unit)
            for result in results.values()
        ]
        for metric, target, key, unit in TABLE
    ]
    widths = [max(len(line[column]) for line in [header, *lines]) for column in range(len(header))]

    def line(values: list[str]) -> str:
        rest = [value.rjust(width) for value, width in zip(values[1:], widths[1:], strict=True)]
        return " | ".join([values[0].ljust(widths[0]), *rest])

    rule = "-+-".join("-" * width for width in widths)
    return "\n".join([line(header), rule, *map(line, lines)])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", help=f"any of {', '.join(SIZES)} (default: all)")
    parser.add_argument("--step", choices=STEPS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.sizes = args.sizes or list(SIZES)
    unknown = [size for size in args.sizes if size not in SIZES]
    if unknown:
        parser.error(f"unknown size {unknown[0]!r}; choose from {', '.join(SIZES)}")
    if args.step:
        print(json.dumps(STEPS[args.step](args.sizes[0])))
        return 0
    results: dict[str, dict[str, Any]] = {}
    for size in args.sizes:
        results[size] = {}
        if SIZES[size] is not None:
            results[size] |= run_step("generate", size)
        results[size] |= run_step("build", size)
        results[size] |= run_step("serve", size)
    SCALE_DIR.mkdir(parents=True, exist_ok=True)
    RESULTS_FILE.write_text(json.dumps(results, indent=2))
    print(format_table(results))
    print(
        f"MB = 2**20 bytes, GB = 2**30. Every figure: make scale ({RESULTS_FILE.name} keeps them)."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
