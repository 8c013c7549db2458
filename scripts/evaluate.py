"""Offline evaluation of recommendations and title matching (``make eval``).

Everything is measured on the full catalogue, rebuilt in memory from ``data/raw``:

- franchise recall@10: for works whose sequels are in the catalogue ("X" and "X 2"), the
  share whose top 10 recommendations hold a sequel;
- genre precision@5: the mean share of the top 5 that share a canonical genre word with the
  query work;
- title matching: top-1 accuracy and latency on generated noisy queries (typos, case, accents,
  missing articles and subtitles), beside rapidfuzz's ``extractOne`` with its default scorer
  ``WRatio`` and rapidfuzz's ``default_process`` (lowercase, punctuation stripped);
- plot search recall@10: the share of plots told from memory (``scripts/queries/plot_*.csv``,
  hand-written in other words than the synopses) whose work ``PlotIndex`` ranks in its top 10
  of the whole catalogue, in English and Spanish, on the held-out queries and on all; the
  index with BM25 (served) and with TF-IDF, beside plain TF-IDF of the description alone.

The description-only TF-IDF model is scored in the same run as the baseline.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from rapidfuzz import process, utils

from bot.settings import Settings
from etl.build import build
from etl.lexicon import load_lexicon, load_synonyms
from recommender.evaluation import (
    description_peer,
    evaluate_matching,
    franchise_pairs,
    franchise_recall,
    genre_precision,
    load_plot_queries,
    matcher_search,
    plot_recall,
)
from recommender.model import ContentModel
from recommender.plot import PlotIndex

TARGETS = {"franchise recall@10": 0.95, "genre precision@5": 0.70}
PLOT_QUERIES = Path(__file__).parent / "queries"
PLOT_TARGETS = {"en": 0.80, "es": 0.50}
LANGUAGES = {"en": "English", "es": "Spanish"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=2000, help="noisy title queries")
    parser.add_argument("--peer-queries", type=int, default=300, help="queries for WRatio")
    args = parser.parse_args()

    raw_dir = Settings.from_env().raw_dir
    result = build(raw_dir)
    works = result.works
    pairs = franchise_pairs(works)
    baseline = ContentModel(weights={"description": 1.0}).fit(works)
    print(
        f"catalogue: {len(result.catalogue):,} titles, {len(works):,} works; "
        f"{len(pairs)} franchise bases with a sequel in the catalogue\n"
    )
    print(f"{'recommendations':<22}{'target':>8}{'ours':>8}{'description-only':>18}")
    for name, measure in (
        ("franchise recall@10", lambda model: franchise_recall(model, pairs, 10)),
        ("genre precision@5", lambda model: genre_precision(model, works["genres"], 5)),
    ):
        print(
            f"{name:<22}{TARGETS[name]:>8.2f}{measure(result.model):>8.3f}"
            f"{measure(baseline):>18.3f}"
        )

    ours = evaluate_matching(works, matcher_search(result.matcher, works), n=args.queries)
    titles = works["title_display"].tolist()
    keys = works["title_key"].tolist()

    def wratio(query: str) -> str | None:
        best = process.extractOne(query, titles, processor=utils.default_process)
        return keys[best[2]] if best else None

    started = time.perf_counter()
    peer = evaluate_matching(works, wratio, n=args.peer_queries)
    print(f"\n{'title matching':<22}{'target':>8}{'ours':>8}{'WRatio extractOne':>18}")
    print(f"{'top-1 accuracy':<22}{0.99:>8.2f}{ours.accuracy:>8.3f}{peer.accuracy:>18.3f}")
    print(f"{'p50 ms':<22}{2.0:>8.1f}{ours.p50_ms:>8.2f}{peer.p50_ms:>18.2f}")
    print(f"{'p99 ms':<22}{'':>8}{ours.p99_ms:>8.2f}{peer.p99_ms:>18.2f}")
    print(
        f"{'queries (skipped)':<22}{'':>8}{ours.queries:>8}{peer.queries:>18}"
        f"   ({ours.skipped} skipped as ambiguous; peer run {time.perf_counter() - started:.0f} s)"
    )
    print("\naccuracy by noise: " + ", ".join(f"{k} {v:.3f}" for k, v in ours.by_kind.items()))

    tfidf = PlotIndex(
        lexicon=load_lexicon(raw_dir), synonyms=load_synonyms(raw_dir), scorer="tfidf"
    )
    searches = {
        "BM25 (ours)": result.plot.scores,
        "TF-IDF": tfidf.fit(works).scores,
        "description-only": description_peer(works),
    }
    print(f"\n{'plot search recall@10':<26}{'target':>8}" + "".join(f"{n:>18}" for n in searches))
    for lang, language in LANGUAGES.items():
        queries = load_plot_queries(PLOT_QUERIES / f"plot_{lang}.csv", lang, works)
        for split, chosen in (
            ("holdout", [query for query in queries if query.split == "holdout"]),
            ("all", queries),
        ):
            label = f"{language}, {split} ({len(chosen)})"
            print(
                f"{label:<26}{PLOT_TARGETS[lang]:>8.2f}"
                + "".join(
                    f"{plot_recall(search, chosen, 10):>18.3f}" for search in searches.values()
                )
            )


if __name__ == "__main__":
    main()
