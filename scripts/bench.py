"""Benchmark StreamBot against its targets on the full catalogue, and print one table.

What is measured, each on this machine in one run:

- ETL rebuild: ``run_etl`` from ``data/raw`` into a temporary processed folder, so the
  served catalogue is untouched (median of 2).
- Start-up: a fresh interpreter, from spawn to the first ``recommend("toy story")`` answer
  (median of 3).
- recommend core: ``ContentModel.similar`` per query, and ``Engine.similar``, which also builds
  the result objects, over the same random work rows.
- match: ``TitleMatcher.match`` on noisy queries made from random catalogue titles (the noise of
  ``make eval``: typos, case, accents, missing articles and subtitles): latency and top-1
  accuracy, ambiguous queries included.
- plot search: ``PlotIndex.scores`` on the plots told from memory of ``make eval``
  (``scripts/queries``, English and Spanish), beside TF-IDF of the description alone (the
  query's sparse vector times every description's).
- discover: ``Engine.discover`` on the templated requests of ``make eval`` (slots, some with a
  topic word) and on pairs of liked titles, results and reasons built. The peer ranks every
  work by the TF-IDF cosine of the request's words with its description, unfiltered. And the
  slowest of the hostile requests ``discover`` bounds: every slot at its longest and
  contradicting the others, 4,096 characters of topic words, the most liked titles, the
  deepest page (each the fastest of ``PARSE_RUNS``).
- for you: ``Engine.for_you`` for the simulated chats of ``make eval`` (3 liked works, 2
  disliked, one platform), beside discover on pairs of liked titles above; and for a chat that
  has pressed every button: ``MAX_FOR_YOU_FEEDBACK`` liked, as many disliked and as many
  excluded works (the fastest of ``PARSE_RUNS``).
- Memory: peak resident size of a process holding ``telegram.ext`` and the engine after it has
  answered a recommendation, a match and the six catalogue queries.
- Parsing hostile text: the worst CPU time to parse a message of 400 or 4,096 characters (256 for
  an inline query) built by ``scripts/hostile.py``, through every name of each command, free text
  and inline.
  The peers are the parser's former patterns, which backtracked, on short inputs they still
  finish: the trailing noise after "what should I watch" (each "?" doubled its time) and the
  separator of ``/why`` (quadratic in the spaces).

Absolute numbers depend on the machine and on whatever else runs on it, so each target with a
usual naive approach ("peer") also measures that, in the same run on the same data, and the table
prints peer/ours. The peers are the dense N x N ``sklearn`` ``cosine_similarity`` matrix with an
``np.argsort`` per query, and ``rapidfuzz.process.extractOne`` with its defaults over every title.
Nothing is asserted: read the ratios. ``--quick`` skips the dense peer for a fast smoke run.
"""

from __future__ import annotations

import argparse
import functools
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from rapidfuzz import process, utils

from bot.chat import parsing
from bot.settings import Settings
from etl.build import run_etl
from recommender import discovery
from recommender.discovery import Slots, TopicScorer
from recommender.engine import ArtifactMissing, Engine
from recommender.evaluation import (
    describe,
    description_peer,
    discovery_queries,
    liked_pairs,
    noisy_query,
    taste_chats,
)
from recommender.model import top_rows
from recommender.text import normalize_title
from scripts import hostile

ROOT = Path(__file__).resolve().parent.parent
SEED = 20240601
ETL_RUNS = 2
STARTUP_RUNS = 3
SIMILAR_QUERIES = 2000
MATCH_QUERIES = 1000
PEER_MATCH_QUERIES = 200
DISCOVER_QUERIES = 1000
DISCOVER_PAIRS = 200
FOR_YOU_CHATS = 200
# Feedback of a chat that pressed every button, for the slowest "for you".
MAX_FOR_YOU_FEEDBACK = 300
# Each command's slowest messages in one run each (this many) are timed again: the fastest of
# PARSE_RUNS runs. A single run can be slowed by anything else on the machine.
PARSE_RETIMED = 10
PARSE_RUNS = 3
PARSE_GIVE_UP_SECONDS = 5.0
# The parser's patterns before issue 11, the peers of the parsing rows.
OLD_TRAILING_NOISE = re.compile(r"(?:[\s?!.¿¡,;:…]+|\s+(?:please|pls|plz|por\s+favor))+$", re.I)
OLD_WHY_SEPARATOR = re.compile(r"\s*[|｜]\s*|\s+(?:vs\.?|versus|contra)\s+", re.IGNORECASE)
MIB = 2**20

# Code run in fresh interpreters. The peer builds the dense matrix exactly as
# ``dense_similarity`` does, between loading the engine and answering.
LOAD_ENGINE = """
from bot.settings import Settings
from recommender.engine import Engine
engine = Engine.load(Settings.from_env().processed_dir)
"""
BUILD_DENSE = """
import numpy as np
from sklearn.metrics.pairwise import cosine_similarity
vectors = engine.model.vectors_
dense = cosine_similarity(vectors, vectors).astype(np.float32, copy=False)
"""
FIRST_ANSWER = """
import time
{load}{dense}
engine.recommend("toy story")
print(time.monotonic())
"""
HOLD_EVERYTHING = """
import resource
import telegram.ext
{load}{dense}
engine.recommend("toy story")
engine.match("stranger thngs")
from recommender.discovery import Slots
engine.discover(Slots(genres=("comedy",), platforms=("netflix",), about="a heist", year_min=1990))
catalogue = engine.catalogue
catalogue.longest()
catalogue.score_count("netflix", 7, 2019)
catalogue.count("hulu")
catalogue.actor("netflix", 2019)
catalogue.country("movie", "india", 2018)
catalogue.rating("pg-13")
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""
RELAY = "import subprocess, sys; sys.exit(subprocess.call(sys.argv[1:]))"


@dataclass(frozen=True)
class Row:
    """One line of the table; a value of ``None`` prints as ``-``."""

    metric: str
    unit: str
    target: str = "-"
    ours: float | None = None
    peer: float | None = None


# -- measuring -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Timings:
    """What one call answered for each input, and how long each answer took, in ms."""

    answers: list[Any]
    ms: np.ndarray

    @property
    def p50(self) -> float:
        return float(np.percentile(self.ms, 50))

    @property
    def p99(self) -> float:
        return float(np.percentile(self.ms, 99))


def timed(calls: Sequence[Callable[[Any], Any]], inputs: Sequence[Any]) -> list[Timings]:
    """Time every call on every input, after one warm-up each.

    The calls take turns on each input, so a burst of load elsewhere on the machine slows
    ours and the peer alike, and their ratio holds.
    """
    for call in calls:
        call(inputs[0])
    answers: list[list[Any]] = [[] for _ in calls]
    seconds = np.empty((len(calls), len(inputs)))
    for index, item in enumerate(inputs):
        for turn, call in enumerate(calls):
            started = time.perf_counter()
            answers[turn].append(call(item))
            seconds[turn, index] = time.perf_counter() - started
    return [Timings(answer, 1e3 * ms) for answer, ms in zip(answers, seconds, strict=True)]


def run_fresh(template: str, with_dense: bool, relay: bool = False) -> tuple[float, float]:
    """Run ``template`` in a fresh interpreter; its spawn time and the number it prints last.

    With ``relay``, a small interpreter starts it. Linux carries a parent's peak RSS into its
    child's ``ru_maxrss`` across fork and exec, so a direct child of this benchmark, which has
    held the dense matrix, would report our peak instead of its own.
    """
    code = template.format(load=LOAD_ENGINE, dense=BUILD_DENSE if with_dense else "")
    command = [sys.executable, "-c", code]
    if relay:
        command = [sys.executable, "-c", RELAY, *command]
    started = time.monotonic()
    result = subprocess.run(command, cwd=ROOT, stdout=subprocess.PIPE, text=True, check=True)
    return started, float(result.stdout.split()[-1])


def dense_similarity(engine: Engine) -> np.ndarray:
    """The usual notebook approach: every pairwise cosine similarity, N x N, in float32."""
    from sklearn.metrics.pairwise import cosine_similarity

    vectors = engine.model.vectors_
    return cosine_similarity(vectors, vectors).astype(np.float32, copy=False)


# -- noisy queries -------------------------------------------------------------------------------
def noisy_queries(titles: Sequence[str], n: int, rng: random.Random) -> list[tuple[str, str]]:
    """``n`` (query, source title) pairs, with the noise ``make eval`` uses (typos, case,
    accents, missing articles and subtitles); ``make eval`` also scores ambiguity separately."""
    sources = rng.sample([title for title in titles if len(normalize_title(title)) >= 4], n)
    return [(noisy_query(title, rng)[0], title) for title in sources]


def accuracy(found: Sequence[str | None], sources: Sequence[str]) -> float:
    """Share of queries whose top answer is the source title, once both are normalised."""
    hits = sum(
        answer is not None and normalize_title(answer) == normalize_title(source)
        for answer, source in zip(found, sources, strict=True)
    )
    return hits / len(sources)


# -- the benchmarks ------------------------------------------------------------------------------
def bench_etl(settings: Settings) -> list[Row]:
    seconds = []
    for _ in range(ETL_RUNS):
        with tempfile.TemporaryDirectory(prefix="streambot-bench-") as folder:
            started = time.perf_counter()
            run_etl(settings.raw_dir, Path(folder) / "processed")
            seconds.append(time.perf_counter() - started)
    return [Row(f"ETL rebuild, median of {ETL_RUNS}", "s", "<= 10 s", statistics.median(seconds))]


def bench_startup(quick: bool) -> list[Row]:
    def first_answer(with_dense: bool) -> float:
        runs = [run_fresh(FIRST_ANSWER, with_dense) for _ in range(STARTUP_RUNS)]
        return statistics.median(answered - started for started, answered in runs)

    peer = None if quick else first_answer(with_dense=True)
    metric = f"start-up to first answer, median of {STARTUP_RUNS}"
    return [Row(metric, "s", "<= 3 s", first_answer(with_dense=False), peer)]


def bench_similar(engine: Engine, quick: bool) -> list[Row]:
    rows = np.random.default_rng(SEED).choice(engine.model.n_works, SIMILAR_QUERIES, replace=False)
    work_ids = engine.works["work_id"].to_numpy()
    calls = [
        lambda row: engine.model.similar(row, k=5),
        lambda row: engine.similar(work_ids[row]),
    ]
    dtype, build_seconds, size_mb = "skipped", None, None
    if not quick:
        started = time.perf_counter()
        dense = dense_similarity(engine)
        build_seconds = time.perf_counter() - started
        dtype, size_mb = str(dense.dtype), dense.nbytes / MIB
        calls.append(lambda row: np.argsort(-dense[row])[:6])
    model, full, *dense_peer = timed(calls, rows)
    peer_p50, peer_p99 = (dense_peer[0].p50, dense_peer[0].p99) if dense_peer else (None, None)
    queries = f"{SIMILAR_QUERIES:,} rows"
    return [
        Row(f"dense N x N cosine_similarity build ({dtype})", "s", peer=build_seconds),
        Row(f"dense N x N matrix size ({dtype})", "MB", peer=size_mb),
        Row(f"model.similar p50, {queries} (peer: argsort)", "ms", "<= 1 ms", model.p50, peer_p50),
        Row(f"model.similar p99, {queries} (peer: argsort)", "ms", "<= 5 ms", model.p99, peer_p99),
        Row(f"engine.similar p50 with results, {queries}", "ms", ours=full.p50),
        Row(f"engine.similar p99 with results, {queries}", "ms", ours=full.p99),
    ]


def extract_one(
    titles: list[str], processor: Callable[[str], str] | None
) -> Callable[[str], str | None]:
    """The peer matcher: rapidfuzz ``extractOne`` (``WRatio``) over every title."""

    def search(query: str) -> str | None:
        best = process.extractOne(query, titles, processor=processor)
        return best[0] if best else None

    return search


def bench_match(engine: Engine) -> list[Row]:
    titles = engine.works["title_display"].tolist()
    pairs = noisy_queries(titles, MATCH_QUERIES, random.Random(SEED))
    queries, sources = [query for query, _ in pairs], [source for _, source in pairs]

    def ours(query: str) -> str | None:
        candidates = engine.matcher.match(query)
        return titles[candidates[0].work] if candidates else None

    (alone,) = timed([ours], queries)
    everything = f"{MATCH_QUERIES:,} queries"
    rows = [
        Row(f"match p50, {everything}", "ms", "<= 2 ms", alone.p50),
        Row(f"match p99, {everything}", "ms", ours=alone.p99),
        Row(
            f"match top-1 accuracy, {everything}", "%", ours=100 * accuracy(alone.answers, sources)
        ),
    ]
    # extractOne scans every title, so the peers take turns with ours on the first queries only.
    # rapidfuzz 3 does not lowercase by default; the second peer asks it to.
    some = f"first {PEER_MATCH_QUERIES}"
    subset, subset_sources = queries[:PEER_MATCH_QUERIES], sources[:PEER_MATCH_QUERIES]
    peers = {
        "peer: extractOne": extract_one(titles, None),
        "peer: extractOne, default_process": extract_one(titles, utils.default_process),
    }
    beside, *measured = timed([ours, *peers.values()], subset)
    for label, peer in zip(peers, measured, strict=True):
        rows += [
            Row(f"match p50, {some} ({label})", "ms", ours=beside.p50, peer=peer.p50),
            Row(
                f"match top-1 accuracy, {some} ({label})",
                "%",
                ours=100 * accuracy(beside.answers, subset_sources),
                peer=100 * accuracy(peer.answers, subset_sources),
            ),
        ]
    return rows


def bench_plot(engine: Engine) -> list[Row]:
    queries = [
        (query, lang)
        for lang in ("en", "es")
        for query in pd.read_csv(ROOT / "scripts" / "queries" / f"plot_{lang}.csv")["query"]
    ]
    records = engine.catalogue.records.set_index("id")["description_display"]
    peer = description_peer(pd.DataFrame({"description": records.reindex(engine.works["id"])}))
    ours, theirs = timed(
        [lambda query: engine.plot.scores(*query), lambda query: peer(*query)], queries
    )
    label = f"plot search, {len(queries)} queries (peer: description-only TF-IDF)"
    return [
        Row(f"{label} p50", "ms", ours=ours.p50, peer=theirs.p50),
        Row(f"{label} p99", "ms", ours=ours.p99, peer=theirs.p99),
    ]


def discovery_peer(engine: Engine) -> Callable[[str], list[int]]:
    """The description-only peer: every work ranked by the TF-IDF cosine of some words with
    its description (the model's description block), no filter; the top 5 rows."""
    scorer = TopicScorer(fields=("description",)).fit(engine.model)

    def search(text: str) -> list[int]:
        scores = scorer.scores(text)
        top = top_rows(scores, 5)
        return top[np.argsort(-scores[top], kind="stable")].tolist()

    return search


def bench_discover(engine: Engine) -> list[Row]:
    engine.prepare()
    requests = discovery_queries(engine, DISCOVER_QUERIES, SEED)
    peer = discovery_peer(engine)
    ours, theirs = timed([engine.discover, lambda slots: peer(describe(slots))], requests)
    pairs = [Slots(like=pair) for pair in liked_pairs(engine, DISCOVER_PAIRS, SEED)]
    (liked,) = timed([engine.discover], pairs)
    queries = f"{DISCOVER_QUERIES:,} templated requests (peer: description-only)"
    (hostile,) = timed(
        [lambda request: engine.discover(*request)],
        [request for request in hostile_requests(engine) for _ in range(PARSE_RUNS)],
    )
    worst = float(hostile.ms.reshape(-1, PARSE_RUNS).min(axis=1).max())
    return [
        Row(f"discover p50, {queries}", "ms", "<= 5 ms", ours.p50, theirs.p50),
        Row(f"discover p99, {queries}", "ms", "<= 20 ms", ours.p99, theirs.p99),
        Row(f"discover p50, {DISCOVER_PAIRS} pairs of liked titles", "ms", "<= 5 ms", liked.p50),
        Row(f"discover p99, {DISCOVER_PAIRS} pairs of liked titles", "ms", "<= 20 ms", liked.p99),
        Row("discover, the slowest hostile request", "ms", "<= 20 ms", worst),
    ]


def hostile_requests(engine: Engine) -> list[tuple[Slots, int, int]]:
    """Requests (slots, k, offset) at the bounds ``discover`` sets: every list slot at its
    longest, all contradicting each other; 4,096 characters of known topic words; the most
    liked titles; the largest page at the deepest offset; and all of it together."""
    counts = Counter(word for text in engine.works["genres"].astype(str) for word in text.split())
    genres = tuple(genre for genre, _ in counts.most_common(discovery.MAX_LIST))
    words = " ".join(list(TopicScorer().fit(engine.model).vocabulary_)[:5000])[:4096]
    liked = tuple(engine.works["work_id"].iloc[: discovery.MAX_LIKED])
    countries = ("United States", "India", "United Kingdom", "Japan", "France", "Spain")
    contradicting = Slots(
        genres=genres,
        not_genres=genres,
        countries=countries,
        platforms=tuple(engine.registry.names),
        type="movie",
        year_min=1900,
        year_max=1901,
        max_minutes=1,
        max_seasons=0,
        audience="kids",
    )
    deepest = (discovery.MAX_K, discovery.MAX_OFFSET)
    return [
        (contradicting, 5, 0),
        (Slots(about=words), 5, 0),
        (Slots(like=liked), 5, 0),
        (Slots(about="love"), *deepest),
        (replace(contradicting, about=words, like=liked, sort="newest"), *deepest),
    ]


def bench_for_you(engine: Engine) -> list[Row]:
    engine.prepare()
    chats = taste_chats(engine, FOR_YOU_CHATS, SEED)
    (found,) = timed(
        [lambda chat: engine.for_you(chat.liked, chat.disliked, mine=(chat.platform,))], chats
    )
    every = engine.works["work_id"].tolist()
    rng = random.Random(SEED)
    most = rng.sample(every, 3 * MAX_FOR_YOU_FEEDBACK)
    liked, disliked, excluded = (
        most[start : start + MAX_FOR_YOU_FEEDBACK]
        for start in range(0, len(most), MAX_FOR_YOU_FEEDBACK)
    )
    (busy,) = timed(
        [lambda _: engine.for_you(liked, disliked, exclude=excluded)], range(PARSE_RUNS)
    )
    chats_label = f"{FOR_YOU_CHATS} chats, 3 liked and 2 disliked"
    feedback = f"{MAX_FOR_YOU_FEEDBACK} each liked, disliked and excluded"
    return [
        Row(f"for_you p50, {chats_label}", "ms", "<= 5 ms", found.p50),
        Row(f"for_you p99, {chats_label}", "ms", "<= 20 ms", found.p99),
        Row(f"for_you, {feedback}", "ms", "<= 20 ms", float(busy.ms.min())),
    ]


def bench_memory(quick: bool) -> list[Row]:
    ours = run_fresh(HOLD_EVERYTHING, with_dense=False, relay=True)[1]
    peer = None if quick else run_fresh(HOLD_EVERYTHING, with_dense=True, relay=True)[1]
    metric = "peak RSS, telegram.ext + engine + queries"
    return [Row(metric, "MB", "<= 300 MB", ours, peer)]


def worst_parse(points: Sequence[hostile.EntryPoint]) -> tuple[float, int]:
    """The slowest parse, in seconds, of every hostile message through each of ``points``, and
    how many there were: each timed once, then the slowest few again, the fastest of
    ``PARSE_RUNS`` each. The messages are as long as the entry point takes, and 400 characters
    (at most): longer titles and requests are refused before their patterns run."""
    calls = [
        functools.partial(point.parse, shape.text(length))
        for point in points
        for length in {min(parsing.MAX_TITLE_LENGTH * 2, point.max_length), point.max_length}
        for shape in hostile.SHAPES
    ]
    once = sorted(calls, key=lambda call: hostile.cpu_seconds(call, PARSE_GIVE_UP_SECONDS))
    worst = max(
        hostile.fastest(call, PARSE_RUNS, PARSE_GIVE_UP_SECONDS) for call in once[-PARSE_RETIMED:]
    )
    return worst, len(calls)


def old_pattern_row(label: str, text: str, ours: Callable, old: Callable) -> Row:
    """A pattern of the parser beside its former one, both on ``text``."""
    ours_ms, old_ms = (
        1e3 * hostile.fastest(functools.partial(call, text), PARSE_RUNS, PARSE_GIVE_UP_SECONDS)
        for call in (ours, old)
    )
    return Row(f"{label} (peer: the old pattern)", "ms", ours=ours_ms, peer=old_ms)


def bench_parsing(engine: Engine) -> list[Row]:
    by_intent: dict[str, list[hostile.EntryPoint]] = {}
    for point in hostile.entry_points(engine.registry, engine):
        by_intent.setdefault(point.intent, []).append(point)
    rows = []
    for points in by_intent.values():
        worst, messages = worst_parse(points)
        names = ", ".join(point.name for point in points)
        metric = f"parse {names}: worst of {messages:,}, up to {points[0].max_length:,} chars"
        rows.append(Row(metric, "ms", "<= 50 ms", 1e3 * worst))
    # The former patterns only on inputs short enough for them to finish.
    old_noise = functools.partial(OLD_TRAILING_NOISE.sub, "")
    noise = functools.partial(parsing._strip_trailing_noise, grammar=parsing.GRAMMAR)
    for count in (18, 20):
        text = f"what should I watch{'?' * count} x"
        label = f"trailing noise, 'what should I watch' + {count} '?' + ' x'"
        rows.append(old_pattern_row(label, text, noise, old_noise))
    label, text = "/why separator, 'a' + 4,000 spaces + 'b'", "a" + " " * 4000 + "b"
    rows.append(
        old_pattern_row(label, text, parsing.GRAMMAR.why_separator.split, OLD_WHY_SEPARATOR.split)
    )
    return rows


# -- the table -----------------------------------------------------------------------------------
def format_value(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    decimals = {"ms": 3, "s": 2, "MB": 0, "%": 1}[unit]
    return f"{value:,.{decimals}f} {unit}"


def format_ratio(row: Row) -> str:
    if row.ours is None or row.peer is None or row.ours == 0:
        return "-"
    return f"{row.peer / row.ours:,.2f}x"


def format_table(rows: Sequence[Row]) -> str:
    header = ("metric", "target", "ours", "peer", "peer/ours")
    cells = [
        (
            row.metric,
            row.target,
            format_value(row.ours, row.unit),
            format_value(row.peer, row.unit),
            format_ratio(row),
        )
        for row in rows
    ]
    widths = [max(len(line[column]) for line in [header, *cells]) for column in range(5)]

    def line(values: Sequence[str]) -> str:
        first = values[0].ljust(widths[0])
        rest = (value.rjust(width) for value, width in zip(values[1:], widths[1:], strict=True))
        return " | ".join((first, *rest))

    rule = "-+-".join("-" * width for width in widths)
    return "\n".join([line(header), rule, *map(line, cells)])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip the dense N x N peer")
    args = parser.parse_args()
    settings = Settings.from_env()
    try:
        engine = Engine.load(settings.processed_dir)
    except ArtifactMissing as error:
        print(error, file=sys.stderr)
        return 1
    print(f"StreamBot bench: {len(engine.catalogue):,} titles, {engine.model.n_works:,} works")
    serving = [
        *bench_startup(args.quick),
        *bench_similar(engine, args.quick),
        *bench_match(engine),
        *bench_plot(engine),
        *bench_discover(engine),
        *bench_for_you(engine),
        *bench_memory(args.quick),
        *bench_parsing(engine),
    ]
    # The ETL runs last: the garbage and imports it leaves behind would skew the timings above.
    print(format_table([*bench_etl(settings), *serving]))
    print(
        "peer/ours above 1 means ours is faster or smaller; for accuracy, below 1 means ours "
        "is more accurate. MB = 2**20 bytes."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
