"""extract → transform → validate → fit → write a version atomically; and the ETL report.

Every catalogue change (a rebuild, an upload) is staged beside the live data, validated, and
published by one atomic step: the replace of ``processed/CURRENT``. Until then nothing that
serves changes, and a process killed at any point leaves what ``recover`` puts right:

- ``processed/.pending/version.json`` names the version being published (and whether it is new);
- an upload's inputs wait in ``processed/.pending/raw/``, the live inputs with the uploaded file
  in place, and reach ``raw/`` only once their version is live.

``recover`` runs before and after every change and at start-up, holding ``change_lock``: when
the pending version is live, the change was published and the upload's file moves into
``raw/``; otherwise the change never happened and its version and inputs go.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TypeVar

import pandas as pd

from etl.aliases import ALIASES_FILE, aliases_of_works, load_aliases
from etl.elsewhere import ELSEWHERE_FILE, known_elsewhere, load_elsewhere
from etl.errors import EtlError
from etl.extract import read_csv
from etl.lexicon import (
    KEYWORDS_FILE,
    LEXICON_FILE,
    SYNONYMS_FILE,
    keywords_of_works,
    load_keywords,
    load_lexicon,
    load_synonyms,
)
from etl.permissions import private_folder
from etl.platforms import REGISTRY_FILE, load_registry
from etl.scores import SCORE_JOINS, SCORE_SOURCES, date_first_seasons, join_scores, load_scores
from etl.themes import THEMES_FILE, load_themes
from etl.transform import RAW_COLUMNS, describe_quarantined, transform_platform
from etl.upload import HISTORY_DIR, AppliedUpload, finish_upload, prepare_upload
from etl.versions import (
    VersionInfo,
    change_lock,
    crash_point,
    find_version,
    folder_atomic,
    link_or_copy,
    live_name,
    live_version,
    prune,
    remove_leftovers,
    remove_temporary,
    set_live,
    version_name,
    write_atomic,
)
from etl.works import SERVED_WORK_COLUMNS, build_works, link_works
from recommender.artifact import (
    ENGINE_FILE,
    FORMAT,
    MANIFEST_FILE,
    REPORT_FILE,
    current_folder,
    dump,
    version_folder,
)
from recommender.elsewhere import SOURCES, KnownWorks
from recommender.engine import Engine
from recommender.matcher import TitleMatcher
from recommender.model import ContentModel
from recommender.platforms import PlatformRegistry
from recommender.plot import PlotIndex
from recommender.text import normalize_title
from recommender.themes import ThemeIndex

# The code that shapes an artifact: a change to any of it makes older artifacts stale.
_BUILD_CODE = (Path(__file__).parent, Path(__file__).parent.parent / "recommender")
PENDING_DIR = ".pending"
_PENDING_VERSION = "version.json"
# A build that sets aside more than this share (and number) of a platform's rows, or that keeps
# less than this share of what a platform or the whole catalogue served, is more likely a broken
# file than a real change.
MAX_QUARANTINED_SHARE = 0.05
MAX_QUARANTINED_ROWS = 20
MIN_KEPT_SHARE = 0.5
SHRINK_CODES = frozenset({"platform_shrunk", "shrunk"})
_REFUSALS = {
    "empty_platform": "{detail} would keep no titles",
    "quarantined": "too many rows would be set aside as unusable ({detail})",
    "platform_shrunk": "{detail} titles: more than half of the platform would disappear",
    "shrunk": "the catalogue would keep only {detail} titles, less than half",
}

logger = logging.getLogger(__name__)
Served = TypeVar("Served")


@dataclass
class EtlReport:
    """What one ETL run read, repaired, set aside and produced."""

    version: str = ""
    inputs_hash: str = ""
    rows: dict[str, dict[str, int]] = field(default_factory=dict)
    repairs: dict[str, int] = field(default_factory=dict)
    quarantined: list[dict] = field(default_factory=list)
    titles: int = 0
    works: int = 0
    shared_works: int = 0
    scored: int = 0
    scored_exact: int = 0
    scored_fallback: int = 0
    #: Per catalogue type: its titles, and how many each join of ``etl.scores`` scored.
    scored_by_type: dict[str, dict[str, int]] = field(default_factory=dict)
    keywords: int = 0
    keywords_skipped: list[str] = field(default_factory=list)
    aliases: int = 0
    aliased_works: int = 0
    aliases_skipped: list[str] = field(default_factory=list)
    #: The themes of ``themes.csv``, and the works about one of them at least.
    themes: int = 0
    themed_works: int = 0
    #: Works known but not carried, by where their facts come from (``SOURCES``).
    elsewhere: dict[str, int] = field(default_factory=dict)
    elsewhere_skipped: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def coverage(self) -> float:
        return self.scored / self.titles if self.titles else 0.0

    def format(self) -> str:
        lines = [f"StreamBot catalogue {self.version} (inputs {self.inputs_hash[:12]})"]
        lines.append(f"{'platform':<10}{'rows in':>9}{'rows out':>10}{'quarantined':>13}")
        for name, counts in self.rows.items():
            lines.append(
                f"{name:<10}{counts['in']:>9,}{counts['out']:>10,}{counts['quarantined']:>13,}"
            )
        total_in = sum(c["in"] for c in self.rows.values())
        lines.append(f"{'total':<10}{total_in:>9,}{self.titles:>10,}{len(self.quarantined):>13,}")
        lines.append("repairs: " + ", ".join(f"{k} {v:,}" for k, v in self.repairs.items()))
        lines.append(
            f"scores: {self.scored:,} of {self.titles:,} titles ({self.coverage:.1%}); "
            f"{self.scored_exact:,} exact, {self.scored_fallback:,} by the fallbacks"
        )
        for item_type, counts in self.scored_by_type.items():
            titles, scored = counts["titles"], sum(counts[join] for join in SCORE_JOINS)
            share = scored / titles if titles else 0.0
            joins = ", ".join(f"{counts[join]:,} {join}" for join in SCORE_JOINS)
            lines.append(f"  {item_type}: {scored:,} of {titles:,} ({share:.1%}); {joins}")
        lines.append(
            f"works: {self.works:,}, of which {self.shared_works:,} are on several platforms"
        )
        skipped = len(self.keywords_skipped)
        lines.append(
            f"plot keywords: {self.keywords:,} works; {skipped:,} row{'s' * (skipped != 1)} skipped"
        )
        lines += _skipped_lines(self.keywords_skipped)
        skipped = len(self.aliases_skipped)
        lines.append(
            f"other names: {self.aliases:,} joined to {self.aliased_works:,} works; "
            f"{skipped:,} row{'s' * (skipped != 1)} skipped"
        )
        lines += _skipped_lines(self.aliases_skipped)
        lines.append(f"themes: {self.themes:,}, found in {self.themed_works:,} works")
        known = ", ".join(f"{count:,} from {source}" for source, count in self.elsewhere.items())
        skipped = len(self.elsewhere_skipped)
        lines.append(
            f"known but not carried: {sum(self.elsewhere.values()):,} works ({known}); "
            f"{skipped:,} editorial row{'s' * (skipped != 1)} skipped"
        )
        lines += _skipped_lines(self.elsewhere_skipped)
        for row in self.quarantined[:20]:
            lines.append("  " + describe_quarantined(row))
        if len(self.quarantined) > 20:
            lines.append(f"  … and {len(self.quarantined) - 20} more in {REPORT_FILE}")
        lines.append(f"built in {self.seconds:.1f} s")
        return "\n".join(lines)


def _skipped_lines(problems: list[str], shown: int = 20) -> list[str]:
    lines = [f"  skipped {problem}" for problem in problems[:shown]]
    if len(problems) > shown:
        lines.append(f"  … and {len(problems) - shown} more in {REPORT_FILE}")
    return lines


class BuildRefused(Exception):
    """A build that looks broken rather than changed, so it is not published.

    ``code`` names the check (``empty_platform``, ``quarantined``, ``platform_shrunk`` or
    ``shrunk``) and ``detail`` holds its numbers, for the bot's texts.
    """

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(_REFUSALS[code].format(detail=detail))
        self.code = code
        self.detail = detail


@dataclass
class BuildResult:
    """The clean outputs of one run, before they are written."""

    registry: PlatformRegistry
    catalogue: pd.DataFrame
    works: pd.DataFrame
    model: ContentModel
    matcher: TitleMatcher
    plot: PlotIndex
    themes: ThemeIndex
    report: EtlReport
    elsewhere: KnownWorks
    _engine: Engine | None = field(default=None, init=False, repr=False, compare=False)

    def engine(self) -> Engine:
        """The engine this build serves, straight from memory; made once, so that the one a
        reload serves and the one its version holds are one, prepared once."""
        if self._engine is None:
            self._engine = Engine(
                self.registry,
                self.catalogue,
                self.works[SERVED_WORK_COLUMNS],
                self.model,
                self.matcher,
                self.report.version,
                plot=self.plot,
                themes=self.themes,
                elsewhere=self.elsewhere,
            )
        return self._engine


def code_hash() -> str:
    """Content hash of the ETL and engine source that builds an artifact."""
    digest = hashlib.sha256()
    for folder in _BUILD_CODE:
        for path in sorted(folder.glob("*.py")):
            digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


# The editorial data files beside the catalogues and score files.
EDITORIAL_FILES = (
    LEXICON_FILE,
    SYNONYMS_FILE,
    KEYWORDS_FILE,
    ALIASES_FILE,
    THEMES_FILE,
    ELSEWHERE_FILE,
)


def input_paths(raw_dir: Path) -> list[Path]:
    """Every file the ETL reads from ``raw_dir``, whether it exists or not."""
    paths = [raw_dir / name for name in (REGISTRY_FILE, *EDITORIAL_FILES)]
    paths += [raw_dir / "catalogues" / platform.file for platform in load_registry(raw_dir)]
    paths += [raw_dir / "scores" / name for name, _ in SCORE_SOURCES]
    return paths


def inputs_hash(raw_dir: Path) -> str:
    """Content hash of every input the ETL reads, and of the code that reads them."""
    digest = hashlib.sha256(code_hash().encode())
    for path in input_paths(raw_dir):
        digest.update(path.name.encode())
        try:
            digest.update(path.read_bytes())
        except OSError:
            digest.update(b"<missing>")
    return digest.hexdigest()


def is_stale(raw_dir: Path, processed_dir: Path) -> bool:
    """Whether nothing is live, or the live version was built from other inputs that are not
    a rollback's choice.

    When a kept version was built from the current inputs but another one is live, an operator
    rolled back on purpose: that holds until the inputs change or ``streambot etl`` runs.
    """
    folder = current_folder(processed_dir)
    if folder is None:
        return True
    try:
        manifest = json.loads((folder / MANIFEST_FILE).read_text())
    except (OSError, ValueError):
        return True
    current_inputs = inputs_hash(raw_dir)
    if manifest.get("inputs_hash") == current_inputs:
        return False
    return find_version(processed_dir, current_inputs) is None


def build(raw_dir: Path) -> BuildResult:
    """Run extract, transform, score join, work linking and model fit, all in memory."""
    crash_point("building")
    started = time.perf_counter()
    report = EtlReport(inputs_hash=inputs_hash(raw_dir))
    registry = load_registry(raw_dir)
    lexicon, synonyms = load_lexicon(raw_dir), load_synonyms(raw_dir)
    keywords = load_keywords(raw_dir)
    aliases = load_aliases(raw_dir)
    vocabulary = [(entry.theme, entry.evidence) for entry in load_themes(raw_dir)]
    editorial = load_elsewhere(raw_dir)
    repairs: Counter = Counter()
    frames = []
    for platform in registry:
        path = raw_dir / "catalogues" / platform.file
        raw, had_bom = read_csv(path, RAW_COLUMNS)
        repairs["UTF-8 BOM stripped"] += had_bom
        result = transform_platform(raw, platform, platform.file)
        repairs.update(result.repairs)
        report.quarantined += result.quarantined
        report.rows[platform.name] = {
            "in": result.rows_in,
            "out": len(result.frame),
            "quarantined": len(result.quarantined),
        }
        if result.frame.empty:
            raise EtlError(
                path, f"the catalogue has no usable rows ({len(result.quarantined)} quarantined)"
            )
        frames.append(result.frame)
    catalogue = pd.concat(frames, ignore_index=True)

    catalogue["title_key"] = catalogue["title_display"].map(normalize_title).astype("string")
    scores = load_scores(raw_dir / "scores")
    repairs["UTF-8 BOM stripped"] += scores.bom_stripped
    repairs["score titles repaired by ftfy"] += scores.mojibake_repaired
    catalogue = link_works(date_first_seasons(join_scores(catalogue, scores), registry))
    catalogue = catalogue.sort_values("id", kind="stable").reset_index(drop=True)
    works = build_works(catalogue, registry)
    works["keywords"], skipped = keywords_of_works(works, keywords, raw_dir / KEYWORDS_FILE)
    for problem in skipped:
        logger.warning("plot keywords: %s; the row is skipped", problem)
    works["aliases"], aliases_skipped = aliases_of_works(works, aliases, raw_dir / ALIASES_FILE)
    for problem in aliases_skipped:
        logger.warning("other names: %s; the row is skipped", problem)
    elsewhere, elsewhere_skipped = known_elsewhere(works, raw_dir / "scores", editorial)
    for problem in elsewhere_skipped:
        logger.warning("known but not carried: %s; the row is skipped", problem)

    report.repairs = dict(repairs)
    report.titles = len(catalogue)
    report.works = len(works)
    report.shared_works = int((works["platforms"].str.contains(" ")).sum())
    report.scored = int(catalogue["score"].notna().sum())
    report.scored_exact = int((catalogue["score_match"] == "exact").sum())
    report.scored_fallback = report.scored - report.scored_exact
    for item_type, records in catalogue.groupby("type", observed=True, sort=True):
        joins = records["score_match"].value_counts()
        report.scored_by_type[str(item_type)] = {
            "titles": len(records),
            **{join: int(joins.get(join, 0)) for join in SCORE_JOINS},
        }
    report.keywords = int((works["keywords"] != "").sum())
    report.keywords_skipped = [str(problem) for problem in skipped]
    report.aliases = len(aliases) - len(aliases_skipped)
    report.aliased_works = int((works["aliases"] != "").sum())
    report.aliases_skipped = [str(problem) for problem in aliases_skipped]
    sources = elsewhere["source"].value_counts()
    report.elsewhere = {source: int(sources.get(source, 0)) for source in SOURCES}
    report.elsewhere_skipped = elsewhere_skipped
    model = ContentModel().fit(works)
    matcher = TitleMatcher().fit(works)
    plot = PlotIndex(lexicon=lexicon, synonyms=synonyms).fit(works)
    themes = ThemeIndex(vocabulary).fit(works)
    report.themes = len(vocabulary)
    report.themed_works = int(themes.works_.getnnz(axis=1).astype(bool).sum())
    known = KnownWorks().fit(elsewhere)
    report.seconds = round(time.perf_counter() - started, 2)
    return BuildResult(registry, catalogue, works, model, matcher, plot, themes, report, known)


def write_version(result: BuildResult, processed_dir: Path) -> Path:
    """Write one build as ``processed_dir/versions/<version>/``, not yet live.

    The version is named by ``version_name`` unless the report already carries a name. A
    build of the inputs a kept version was built from writes nothing. Everything else is
    written under a temporary name first and renamed into place, so a crash leaves no
    half-written version.
    """
    report = result.report
    report.version = report.version or version_name(processed_dir, report.inputs_hash)
    target = version_folder(processed_dir, report.version)
    if not (target / MANIFEST_FILE).is_file():
        _write_folder(result, target)
    return target


def _write_folder(result: BuildResult, target: Path) -> None:
    """Write the files of one version to ``target``, atomically."""
    with folder_atomic(target) as staging:
        # Prepared, so that every instance loads what it serves without working it out again.
        dump(result.engine().prepare(), staging, ENGINE_FILE)
        crash_point("writing")
        manifest = {
            "format": FORMAT,
            "version": result.report.version,
            "inputs_hash": result.report.inputs_hash,
            "code_hash": code_hash(),
            "platforms": result.registry.to_records(),
            "titles": result.report.titles,
            "works": result.report.works,
        }
        (staging / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2))
        (staging / REPORT_FILE).write_text(json.dumps(asdict(result.report), indent=2))


def validate(result: BuildResult, live: VersionInfo | None, allow_shrink: bool = False) -> None:
    """Raise ``BuildRefused`` when a build looks broken rather than changed, next to the live
    version it would replace (a first build has nothing to be compared with).

    ``allow_shrink`` lets a platform, or the whole catalogue, lose more than half its titles:
    a cut made on purpose.
    """
    if live is None:
        return
    for platform, rows in result.report.rows.items():
        name = result.registry.get(platform).display_name
        if rows["out"] == 0:
            raise BuildRefused("empty_platform", name)
        if rows["quarantined"] > max(MAX_QUARANTINED_SHARE * rows["in"], MAX_QUARANTINED_ROWS):
            raise BuildRefused("quarantined", f"{name}: {rows['quarantined']} of {rows['in']}")
        before = live.rows.get(platform, {}).get("out", 0)
        if not allow_shrink and rows["out"] < MIN_KEPT_SHARE * before:
            raise BuildRefused("platform_shrunk", f"{name}: {before:,} → {rows['out']:,}")
    if not allow_shrink and result.report.titles < MIN_KEPT_SHARE * live.titles:
        raise BuildRefused("shrunk", f"{result.report.titles:,}")


def rebuild(
    raw_dir: Path,
    processed_dir: Path,
    serve: Callable[[BuildResult], Served],
    builder: Callable[[Path], BuildResult] = build,
    allow_shrink: bool = False,
) -> Served:
    """Build from ``raw_dir``, validate, write the version and publish it; what ``serve`` made
    of the build, before anything was written (a failure there publishes nothing).

    Hold ``change_lock``. Raises ``EtlError``, ``BuildRefused`` or ``OSError``, and then
    nothing has changed.
    """
    recover(raw_dir, processed_dir)
    try:
        return _publish(raw_dir, processed_dir, serve, builder, allow_shrink)
    finally:
        _tidy(raw_dir, processed_dir)


def publish_upload(
    raw_dir: Path,
    processed_dir: Path,
    state_dir: Path,
    token: str,
    serve: Callable[[BuildResult], Served],
    builder: Callable[[Path], BuildResult] = build,
    allow_shrink: bool = False,
) -> tuple[AppliedUpload, Served]:
    """``rebuild`` with the staged upload ``token`` in place of the file it replaces.

    The upload reaches ``raw_dir`` only once its version is live; the file it replaces goes to
    ``raw/catalogues/history/``. Hold ``change_lock``. Raises what ``rebuild`` raises, and
    ``UploadError`` for an upload that expired.
    """
    recover(raw_dir, processed_dir)
    try:
        inputs = processed_dir / PENDING_DIR / "raw"
        for path in input_paths(raw_dir):
            if path.exists():
                copy = inputs / path.relative_to(raw_dir)
                private_folder(copy.parent)
                link_or_copy(path, copy)
        applied = prepare_upload(raw_dir, state_dir, token, inputs)
        crash_point("prepared")
        return applied, _publish(inputs, processed_dir, serve, builder, allow_shrink)
    finally:
        _tidy(raw_dir, processed_dir)


def _publish(
    inputs: Path,
    processed_dir: Path,
    serve: Callable[[BuildResult], Served],
    builder: Callable[[Path], BuildResult],
    allow_shrink: bool,
) -> Served:
    result = builder(inputs)
    validate(result, live_version(processed_dir), allow_shrink)
    name = version_name(processed_dir, result.report.inputs_hash)
    result.report.version = name
    served = serve(result)
    pending = processed_dir / PENDING_DIR
    private_folder(pending)
    new = not (version_folder(processed_dir, name) / MANIFEST_FILE).is_file()
    write_atomic(pending / _PENDING_VERSION, json.dumps({"version": name, "new": new}).encode())
    write_version(result, processed_dir)
    crash_point("written")
    set_live(processed_dir, name)  # the one step that publishes
    crash_point("published")
    prune(processed_dir)
    return served


def recover(raw_dir: Path, processed_dir: Path) -> None:
    """Finish the change a killed process published, or undo the one it did not, and delete
    what it left half-written. Hold ``change_lock``: another change's files are not leftovers.
    """
    remove_leftovers(processed_dir)
    for folder in (raw_dir, raw_dir / "catalogues", raw_dir / "catalogues" / HISTORY_DIR):
        remove_temporary(folder)
    pending = processed_dir / PENDING_DIR
    if not pending.exists():
        return
    try:
        marker = json.loads((pending / _PENDING_VERSION).read_text())
    except (OSError, ValueError):  # killed before it was written: nothing was published
        marker = {"version": None, "new": False}
    if marker["version"] is not None and marker["version"] == live_name(processed_dir):
        finish_upload(raw_dir, pending / "raw")
    elif marker["new"]:
        shutil.rmtree(version_folder(processed_dir, marker["version"]), ignore_errors=True)
    shutil.rmtree(pending)


def _tidy(raw_dir: Path, processed_dir: Path) -> None:
    """``recover`` after a change, which is decided by then: if this fails, the next change or
    start recovers before it goes on."""
    try:
        recover(raw_dir, processed_dir)
    except OSError:
        logger.warning("could not tidy up after a catalogue change", exc_info=True)


def run_etl(raw_dir: Path, processed_dir: Path, allow_shrink: bool = False) -> EtlReport:
    """Build from ``raw_dir`` and publish to ``processed_dir``, validated; the report of the
    run. Raises what ``rebuild`` raises, and ``ChangeBusy`` while another change runs."""
    with change_lock(processed_dir):
        return rebuild(raw_dir, processed_dir, _report, allow_shrink=allow_shrink)


def run_upload(
    raw_dir: Path, processed_dir: Path, state_dir: Path, token: str, allow_shrink: bool = False
) -> tuple[AppliedUpload, EtlReport]:
    """``run_etl`` with the staged upload ``token`` in place; see ``publish_upload``."""
    with change_lock(processed_dir):
        return publish_upload(
            raw_dir, processed_dir, state_dir, token, _report, allow_shrink=allow_shrink
        )


def _report(result: BuildResult) -> EtlReport:
    return result.report
