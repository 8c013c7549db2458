"""Synthetic catalogues of any size, sampled from a real one, in the raw CSV format.

``generate(source, target, n)`` writes ``target/raw`` (``platforms.toml``, the plot search's
word tables and keywords, ``catalogues/``, ``scores/``) holding every row of ``source``
verbatim plus synthetic rows up to ``n`` titles, so the real ETL runs on it unchanged and real
titles stay findable at every size. Synthetic rows:

- are spread over the platforms in the source's proportions, with unique ``show_id``s
  (``x1``, ``x2``, …), and about 2 % copy a work from another platform (shared works);
- take type, rating, duration (movies jittered ±15 %), genres, country and release year
  (±3) from a random real row of the same platform, and ``date_added`` from another one, so
  empty fields, Hulu's durations in ``rating`` and the per-platform mixes stay as they are;
- have titles of the real length recombined from real title words, weighted by frequency,
  with sequel numbers (2 %) and subtitles (14 %), the source's shares;
- have descriptions spliced from the first part of one real description and the end of another;
- have cast and directors drawn with the real number of names per row from a pool of people
  that grows with the catalogue (the real people plus first/last-name recombinations), each
  drawn as often as real people are, so the vocabulary grows as a real catalogue's would;
- get an IMDb score row, beside the real score files, for the real share of titles (a third).

The output is a pure function of the source, ``n`` and ``seed``. Run it directly to write
``data/scale/<n>/raw`` from ``data/raw``: ``python scripts/synthetic.py 100000``.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import shutil
import sys
import tempfile
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

from etl.build import EDITORIAL_FILES
from etl.extract import read_csv
from etl.platforms import REGISTRY_FILE, load_registry
from etl.scores import SCORE_SOURCES
from etl.transform import RAW_COLUMNS

ROOT = Path(__file__).resolve().parent.parent
SEED = 20240601
SCALE_DIR = ROOT / "data" / "scale"
# What a finished folder records; a folder without it, or for other arguments, is rebuilt.
MARKER = "synthetic.json"
SEQUEL_SHARE = 0.02
SUBTITLE_SHARE = 0.14
SHARED_SHARE = 0.02
SCORED_SHARE = 0.34
SEQUELS = ("2", "3", "4", "II", "Part 2")
MAX_YEAR = 2021  # the newest release year in the real catalogue


def _copy_word_tables(source: Path, raw_dir: Path) -> None:
    for name in EDITORIAL_FILES:
        shutil.copy(source / name, raw_dir / name)


def generate(source: Path, target: Path, n: int, seed: int = SEED) -> Path:
    """Write a raw data folder of ``n`` titles to ``target/raw`` and return that folder.

    A folder already generated with the same arguments is reused as it is. ``n`` must be at
    least the number of rows in ``source``, which are all kept.
    """
    raw_dir = target / "raw"
    wanted = {"n": n, "seed": seed, "source": str(source.resolve())}
    marker = raw_dir / MARKER
    if marker.is_file() and json.loads(marker.read_text()) == wanted:
        _copy_word_tables(source, raw_dir)  # a folder generated before they existed lacks them
        return raw_dir
    registry = load_registry(source)
    real = {p.name: read_csv(source / "catalogues" / p.file, RAW_COLUMNS)[0] for p in registry}
    total = sum(len(frame) for frame in real.values())
    if n < total:
        raise ValueError(f"n={n:,} is below the {total:,} rows of {source}, which are all kept")
    rng = np.random.default_rng(seed)
    sampler = _Sampler(pd.concat(real.values(), ignore_index=True), n / total, rng)
    quotas = _quotas({name: len(frame) for name, frame in real.items()}, n)
    synthetic = {
        name: sampler.rows(frame, quotas[name] - len(frame)) for name, frame in real.items()
    }
    _share_works(synthetic, rng)

    target.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".raw-", dir=target))
    try:
        shutil.copy(source / REGISTRY_FILE, staging / REGISTRY_FILE)
        _copy_word_tables(source, staging)
        (staging / "catalogues").mkdir()
        for platform in registry:
            frame = pd.concat([real[platform.name], synthetic[platform.name]], ignore_index=True)
            _write_csv(staging / "catalogues" / platform.file, frame[list(RAW_COLUMNS)])
        (staging / "scores").mkdir()
        for (file_name, item_type), score_type in zip(SCORE_SOURCES, ("movie", "tv"), strict=True):
            scores = read_csv(source / "scores" / file_name, ("Title", "Year", "IMDb"))[0]
            # pandas names the real files' unnamed index column "Unnamed: 0"; keep it unnamed.
            scores.columns = ["" if c.startswith("Unnamed:") else c for c in scores.columns]
            rows = pd.concat(synthetic.values(), ignore_index=True)
            rows = rows[rows["type"].str.lower() == item_type]
            extra = sampler.scores(rows, list(scores.columns), score_type, len(scores))
            _write_csv(staging / "scores" / file_name, pd.concat([scores, extra]))
        (staging / MARKER).write_text(json.dumps(wanted))
        shutil.rmtree(raw_dir, ignore_errors=True)
        staging.rename(raw_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return raw_dir


def _quotas(counts: dict[str, int], n: int) -> dict[str, int]:
    """Rows per platform for ``n`` titles in the proportions of ``counts`` (largest remainder).

    >>> _quotas({"a": 3, "b": 1}, 10)
    {'a': 8, 'b': 2}
    """
    total = sum(counts.values())
    exact = {name: n * count / total for name, count in counts.items()}
    quotas = {name: math.floor(value) for name, value in exact.items()}
    by_remainder = sorted(exact, key=lambda name: quotas[name] - exact[name])
    for name in by_remainder[: n - sum(quotas.values())]:
        quotas[name] += 1
    return quotas


def _write_csv(path: Path, frame: pd.DataFrame) -> None:
    # CRLF line ends, as three of the four real files have.
    frame.to_csv(path, index=False, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")


def _share_works(synthetic: dict[str, pd.DataFrame], rng: np.random.Generator) -> None:
    """Make about ``SHARED_SHARE`` of each platform's rows copies of another platform's works."""
    copied = ["type", "title", "release_year", "rating", "duration", "listed_in", "description"]
    for name, frame in synthetic.items():
        others = [other for other in synthetic if other != name and len(synthetic[other])]
        count = int(len(frame) * SHARED_SHARE)
        if not others or count == 0:
            continue
        rows = rng.choice(len(frame), count, replace=False)
        for chunk, other in zip(np.array_split(rows, len(others)), others, strict=True):
            source = synthetic[other]
            picked = rng.choice(len(source), len(chunk))
            for column in copied:
                frame.loc[chunk, column] = source[column].to_numpy()[picked]


class _Sampler:
    """The real catalogue's pools and distributions, and rows drawn from them."""

    def __init__(self, real: pd.DataFrame, growth: float, rng: np.random.Generator) -> None:
        self.rng = rng
        # Bare words: a subtitle's colon or a qualifier's bracket is added where it belongs.
        words = Counter(word.strip(":()[],") for title in real["title"] for word in title.split())
        del words[""]
        self.title_words = np.array(list(words), dtype=object)
        self.title_weights = _weights(words.values())
        self.descriptions = [text.split() for text in real["description"]]
        self.cast = _People(real["cast"], growth, rng)
        self.directors = _People(real["director"], growth, rng)

    def rows(self, platform: pd.DataFrame, count: int) -> pd.DataFrame:
        """``count`` synthetic rows shaped like ``platform``'s real ones."""
        rng = self.rng
        count = max(count, 0)
        template = platform.iloc[rng.integers(len(platform), size=count)].reset_index(drop=True)
        frame = template[["type", "rating", "country", "listed_in"]].copy()
        frame.insert(0, "show_id", [f"x{i + 1}" for i in range(count)])
        frame["title"] = self._titles(template["title"])
        frame["director"] = self.directors.lists(template["director"])
        frame["cast"] = self.cast.lists(template["cast"])
        frame["date_added"] = platform["date_added"].to_numpy()[
            rng.integers(len(platform), size=count)
        ]
        years = pd.to_numeric(template["release_year"], errors="coerce").fillna(2015).astype(int)
        shifted = np.clip(years + rng.integers(-3, 4, size=count), 1900, MAX_YEAR)
        frame["release_year"] = shifted.astype(str)
        frame["duration"] = self._durations(template["duration"])
        frame["description"] = self._descriptions(template["description"])
        return frame

    def scores(
        self, rows: pd.DataFrame, columns: list[str], score_type: str, first_id: int
    ) -> pd.DataFrame:
        """Score rows, in a score file's ``columns``, for about a third of ``rows``."""
        rng = self.rng
        picked = rows.iloc[np.flatnonzero(rng.random(len(rows)) < SCORED_SHARE)]
        imdb = np.clip(rng.normal(6.4, 1.1, len(picked)), 1.0, 9.8).round(1)
        extra = pd.DataFrame("", index=range(len(picked)), columns=columns)
        ids = np.arange(first_id, first_id + len(picked))
        extra[columns[0]] = ids.astype(str)
        extra["ID"] = (ids + 1).astype(str)
        extra["Title"] = picked["title"].to_numpy()
        extra["Year"] = picked["release_year"].to_numpy()
        extra["IMDb"] = [f"{x}/10" if score_type == "tv" else f"{x}" for x in imdb]
        return extra

    def _titles(self, templates: pd.Series) -> list[str]:
        rng = self.rng
        lengths = templates.str.split().str.len().fillna(1).astype(int).clip(1, 12).to_numpy()
        drawn = rng.choice(len(self.title_words), lengths.sum(), p=self.title_weights)
        words = self.title_words[drawn]
        ends = np.cumsum(lengths)
        titles = [
            " ".join(words[end - length : end]) for end, length in zip(ends, lengths, strict=True)
        ]
        extra = rng.random(len(titles))
        subtitles = rng.choice(len(self.title_words), (len(titles), 3), p=self.title_weights)
        sequels = rng.integers(len(SEQUELS), size=len(titles))
        for row in np.flatnonzero(extra < SEQUEL_SHARE):
            titles[row] += " " + SEQUELS[sequels[row]]
        for row in np.flatnonzero(extra > 1 - SUBTITLE_SHARE):
            subtitle = self.title_words[subtitles[row][: 1 + row % 3]]
            titles[row] += ": " + " ".join(subtitle)
        return titles

    def _durations(self, templates: pd.Series) -> list[str]:
        factors = self.rng.uniform(0.85, 1.15, size=len(templates))
        durations = []
        for text, factor in zip(templates, factors, strict=True):
            amount, _, unit = text.strip().partition(" ")
            if unit == "min" and amount.isdigit():
                text = f"{max(1, round(int(amount) * factor))} min"
            durations.append(text)
        return durations

    def _descriptions(self, templates: pd.Series) -> list[str]:
        rng = self.rng
        others = rng.integers(len(self.descriptions), size=len(templates))
        cuts = rng.uniform(0.33, 0.67, size=(len(templates), 2))
        spliced = []
        for text, other, (cut_a, cut_b) in zip(templates, others, cuts, strict=True):
            head, tail = text.split(), self.descriptions[other]
            if not head or not tail:
                spliced.append(text)
                continue
            words = head[: round(len(head) * cut_a)] + tail[round(len(tail) * cut_b) :]
            spliced.append(" ".join(words))
        return spliced


class _People:
    """A pool of people for one field: the real ones, plus recombined names as the catalogue
    grows, each drawn with a real person's frequency."""

    def __init__(self, lists: pd.Series, growth: float, rng: np.random.Generator) -> None:
        self.rng = rng
        counts = Counter(name.strip() for text in lists for name in text.split(",") if name.strip())
        names = list(counts)
        frequencies = np.array(list(counts.values()), dtype=float)
        extra = max(0, math.ceil(len(names) * (growth - 1)))
        if names and extra:
            parts = [name.split() for name in names if len(name.split()) >= 2]
            firsts = np.array(sorted({part[0] for part in parts}), dtype=object)
            lasts = np.array(sorted({part[-1] for part in parts}), dtype=object)
            if len(firsts) and len(lasts):
                made = firsts[rng.integers(len(firsts), size=extra)] + " "
                made += lasts[rng.integers(len(lasts), size=extra)]
                names += made.tolist()
                frequencies = np.concatenate([frequencies, np.resize(frequencies, extra)])
        self.names = np.array(names, dtype=object)
        self.weights = _weights(frequencies) if names else None

    def lists(self, templates: pd.Series) -> list[str]:
        """A comma-separated list per template, with as many names as the template has."""
        sizes = np.array([len([n for n in t.split(",") if n.strip()]) for t in templates])
        if self.weights is None or sizes.sum() == 0:
            return [""] * len(templates)
        drawn = self.names[self.rng.choice(len(self.names), sizes.sum(), p=self.weights)]
        ends = np.cumsum(sizes)
        return [", ".join(drawn[end - size : end]) for end, size in zip(ends, sizes, strict=True)]


def _weights(counts: object) -> np.ndarray:
    weights = np.fromiter(counts, dtype=float)
    return weights / weights.sum()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, help="titles in the catalogue")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--source", type=Path, default=ROOT / "data" / "raw")
    parser.add_argument("--target", type=Path, help="default: data/scale/<n>")
    args = parser.parse_args()
    target = args.target or SCALE_DIR / str(args.n)
    print(generate(args.source, target, args.n, args.seed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
