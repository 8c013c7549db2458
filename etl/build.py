"""extract → transform → validate → fit → write a version atomically; and the ETL report."""

from __future__ import annotations

import hashlib
import json
import pickle
import shutil
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd

from etl.errors import EtlError
from etl.extract import read_csv
from etl.permissions import make_private, private_folder
from etl.platforms import REGISTRY_FILE, load_registry
from etl.scores import SCORE_SOURCES, join_scores, load_scores
from etl.transform import RAW_COLUMNS, describe_quarantined, transform_platform
from etl.versions import find_version, prune, set_live, version_name
from etl.works import SERVED_WORK_COLUMNS, build_works, link_works
from recommender.artifact import (
    CATALOGUE_FILE,
    MANIFEST_FILE,
    MATCHER_FILE,
    MODEL_FILE,
    REPORT_FILE,
    WORKS_FILE,
    current_folder,
    version_folder,
)
from recommender.catalogue import served_records
from recommender.engine import Engine, served_works
from recommender.matcher import TitleMatcher
from recommender.model import ContentModel
from recommender.platforms import PlatformRegistry
from recommender.text import normalize_title

# The code that shapes an artifact: a change to any of it makes older artifacts stale.
_BUILD_CODE = (Path(__file__).parent, Path(__file__).parent.parent / "recommender")


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
            f"{self.scored_exact:,} exact, {self.scored_fallback:,} by the ±1 year fallback"
        )
        lines.append(
            f"works: {self.works:,}, of which {self.shared_works:,} are on several platforms"
        )
        for row in self.quarantined[:20]:
            lines.append("  " + describe_quarantined(row))
        if len(self.quarantined) > 20:
            lines.append(f"  … and {len(self.quarantined) - 20} more in {REPORT_FILE}")
        lines.append(f"built in {self.seconds:.1f} s")
        return "\n".join(lines)


@dataclass
class BuildResult:
    """The clean outputs of one run, before they are written."""

    registry: PlatformRegistry
    catalogue: pd.DataFrame
    works: pd.DataFrame
    model: ContentModel
    matcher: TitleMatcher
    report: EtlReport

    def engine(self) -> Engine:
        """The engine this build serves, straight from memory."""
        return Engine(
            self.registry,
            self.catalogue,
            self.works[SERVED_WORK_COLUMNS],
            self.model,
            self.matcher,
            self.report.version,
        )


def code_hash() -> str:
    """Content hash of the ETL and engine source that builds an artifact."""
    digest = hashlib.sha256()
    for folder in _BUILD_CODE:
        for path in sorted(folder.glob("*.py")):
            digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


def inputs_hash(raw_dir: Path) -> str:
    """Content hash of every input the ETL reads, and of the code that reads them."""
    digest = hashlib.sha256(code_hash().encode())
    registry = load_registry(raw_dir)
    paths = [raw_dir / REGISTRY_FILE]
    paths += [raw_dir / "catalogues" / platform.file for platform in registry]
    paths += [raw_dir / "scores" / name for name, _ in SCORE_SOURCES]
    for path in paths:
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
    started = time.perf_counter()
    report = EtlReport(inputs_hash=inputs_hash(raw_dir))
    registry = load_registry(raw_dir)
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
    catalogue = link_works(join_scores(catalogue, scores))
    catalogue = catalogue.sort_values("id", kind="stable").reset_index(drop=True)
    works = build_works(catalogue, registry)

    report.repairs = dict(repairs)
    report.titles = len(catalogue)
    report.works = len(works)
    report.shared_works = int((works["platforms"].str.contains(" ")).sum())
    report.scored = int(catalogue["score"].notna().sum())
    report.scored_exact = int((catalogue["score_match"] == "exact").sum())
    report.scored_fallback = report.scored - report.scored_exact
    model = ContentModel().fit(works)
    matcher = TitleMatcher().fit(works)
    report.seconds = round(time.perf_counter() - started, 2)
    return BuildResult(registry, catalogue, works, model, matcher, report)


def write_version(result: BuildResult, processed_dir: Path) -> Path:
    """Write one build as ``processed_dir/versions/<version>/``, make it live and prune.

    The version is named by ``version_name`` unless the report already carries a name (a
    reload names it first, to build its engine). A build of the inputs a kept version was
    built from makes that version live again and writes nothing. Everything else is written
    under a temporary name first and renamed into place, so a crash leaves the previous
    version live and no half-written one.
    """
    report = result.report
    report.version = report.version or version_name(processed_dir, report.inputs_hash)
    target = version_folder(processed_dir, report.version)
    if not (target / MANIFEST_FILE).is_file():
        _write_folder(result, target)
    set_live(processed_dir, report.version)
    prune(processed_dir)
    return target


def _write_folder(result: BuildResult, target: Path) -> None:
    """Write the files of one version to ``target``, atomically."""
    private_folder(target.parent)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=target.parent))
    try:
        # As the engine holds them, so that loading never builds what it would drop.
        served_records(result.catalogue).to_pickle(staging / CATALOGUE_FILE)
        served_works(result.works[SERVED_WORK_COLUMNS]).to_pickle(staging / WORKS_FILE)
        for estimator, name in ((result.model, MODEL_FILE), (result.matcher, MATCHER_FILE)):
            with open(staging / name, "wb") as file:
                pickle.dump(estimator, file, protocol=pickle.HIGHEST_PROTOCOL)
        manifest = {
            "version": result.report.version,
            "inputs_hash": result.report.inputs_hash,
            "code_hash": code_hash(),
            "platforms": result.registry.to_records(),
            "titles": result.report.titles,
            "works": result.report.works,
        }
        (staging / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2))
        (staging / REPORT_FILE).write_text(json.dumps(asdict(result.report), indent=2))
        make_private(staging)
        shutil.rmtree(target, ignore_errors=True)  # a leftover without a manifest
        staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def run_etl(raw_dir: Path, processed_dir: Path) -> EtlReport:
    """Build from ``raw_dir`` and publish to ``processed_dir``; the report of the run."""
    result = build(raw_dir)
    write_version(result, processed_dir)
    return result.report
