"""Catalogue uploads: stage a CSV with a dry-run diff, apply it keeping the old file, undo it.

An upload is checked the way the ETL reads (``read_csv``, ``transform_platform``), and by
the caller's ``check`` of the rows it would serve, before it goes anywhere near ``raw/``:
``stage_upload`` keeps it under ``state/uploads/<token>`` and says what would change,
``apply_upload`` puts it in ``raw/catalogues/`` (and a new platform in the registry), moving
the file it replaces to ``raw/catalogues/history/``, and ``undo_upload`` puts everything
back, so a caller whose rebuild fails leaves the raw data as it was.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from etl.errors import EtlError
from etl.extract import MissingColumns, read_csv
from etl.permissions import private_file, private_folder
from etl.platforms import REGISTRY_FILE, free_letter, load_registry, with_platform
from etl.transform import RAW_COLUMNS, describe_quarantined, transform_platform
from recommender.platforms import Platform, PlatformRegistry

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
# Ten times the largest catalogue. The dry run runs in the bot's process and costs by the
# row, and 20 MB of near-empty rows are a million and a half of them.
MAX_UPLOAD_ROWS = 100_000
STAGED_SECONDS = 24 * 60 * 60
UPLOADS_DIR = "uploads"
HISTORY_DIR = "history"
EXAMPLES = 3
MAX_DISPLAY_NAME = 40
_PLATFORM_NAME = re.compile(r"[a-z][a-z0-9]{1,19}")
# secrets.token_hex(5): short enough for callback data such as "upok:<token>".
_TOKEN = re.compile(r"[0-9a-f]{10}")
# Compared under the raw column people see in their file; the key columns are left out.
_RAW_COLUMN = {"duration_int": "duration", "duration_type": "duration", "genres": "listed_in"}
_KEYS = ("id", "platform", "show_id")


class UploadError(EtlError):
    """An upload that is refused; ``code`` names the kind for the bot's texts.

    ``path`` is the uploaded file's name (or the staged upload, for ``expired``), ``row`` and
    ``column`` say where when known, ``detail`` says what is wrong.
    """

    def __init__(
        self,
        code: str,
        detail: str,
        path: Path | str,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        super().__init__(path, detail, row=row, column=column)
        self.code = code
        self.detail = detail

    def __reduce__(self) -> tuple:
        return (type(self), (self.code, self.detail, self.path, self.row, self.column))


@dataclass(frozen=True)
class UploadDiff:
    """What an upload would change in its platform's catalogue, compared by record id."""

    platform: str
    display_name: str
    is_new_platform: bool
    rows: int
    added: int
    removed: int
    changed: int
    unchanged: int
    # The raw column → how many changed rows differ in it, most first.
    changed_columns: dict[str, int]
    # ``added``, ``removed`` and ``changed`` → a few titles, in file order.
    examples: dict[str, list[str]]
    # The transform's dicts: file, row, column, value, reason.
    quarantined: list[dict] = field(default_factory=list)
    # Why the platform's current file could not be read; it then counts as empty.
    current_error: str | None = None

    @property
    def summary(self) -> dict[str, int]:
        return {
            "rows": self.rows,
            "added": self.added,
            "removed": self.removed,
            "changed": self.changed,
            "unchanged": self.unchanged,
            "quarantined": len(self.quarantined),
        }


@dataclass(frozen=True)
class UploadRows:
    """An upload's usable rows, cleaned as the ETL will serve them, for ``stage_upload``'s
    ``check``: what serves them can try them before they are applied."""

    filename: str
    # The registry once the upload is applied: a new platform is in it.
    registry: PlatformRegistry
    platform: Platform
    # transform_platform's rows, and the row in the file of each (the header is row 1).
    frame: pd.DataFrame
    file_rows: pd.Index


# Raises ``UploadError`` for rows that would fail once served.
UploadCheck = Callable[[UploadRows], None]


@dataclass(frozen=True)
class StagedUpload:
    """A checked upload waiting under ``state/uploads/<token>.csv`` for ``apply_upload``."""

    token: str
    platform: str
    display_name: str
    filename: str
    uploader: int | None
    created: str
    is_new_platform: bool
    diff: UploadDiff


@dataclass(frozen=True)
class AppliedUpload:
    """An upload in place, and what ``undo_upload`` needs to take it back."""

    platform: str
    display_name: str
    is_new_platform: bool
    # The catalogue file in raw/catalogues/ that now holds the upload.
    file: str
    # The file it replaced, now in raw/catalogues/history/; None when there was none.
    history_file: str | None
    # platforms.toml as it was before a new platform was added; None when it is unchanged.
    registry_before: bytes | None
    diff: UploadDiff


def stage_upload(
    raw_dir: Path,
    state_dir: Path,
    data: bytes,
    filename: str,
    platform: str,
    display_name: str | None = None,
    uploader: int | None = None,
    check: UploadCheck | None = None,
) -> StagedUpload:
    """Check an uploaded catalogue for ``platform`` and keep it, with its diff, for applying.

    ``platform`` is a registry name or alias, or the name of a new platform, which then
    needs a ``display_name`` (a registered platform keeps its own). ``check`` is given the
    usable rows after the ETL's own checks. Nothing under ``raw_dir`` changes. Raises
    ``UploadError``.
    """
    uploads = state_dir / UPLOADS_DIR
    private_folder(uploads)
    _remove_expired(uploads)
    filename = Path(filename).name
    if len(data) > MAX_UPLOAD_BYTES:
        limit = MAX_UPLOAD_BYTES // (1024 * 1024)
        raise UploadError("too_big", f"the file is larger than {limit} MB", filename)
    if Path(filename).suffix.lower() != ".csv":
        raise UploadError("not_csv", "the file name does not end in .csv", filename)
    registry = load_registry(raw_dir)
    target = _platform_for(registry, platform, display_name, filename)
    is_new = target.name not in registry.names

    token = secrets.token_hex(5)
    staged_file = uploads / f"{token}.csv"
    private_file(staged_file).write_bytes(data)
    try:
        diff = _diff(raw_dir, staged_file, filename, registry, target, check)
        staged = StagedUpload(
            token=token,
            platform=target.name,
            display_name=target.display_name,
            filename=filename,
            uploader=uploader,
            created=datetime.now(UTC).isoformat(timespec="seconds"),
            is_new_platform=is_new,
            diff=diff,
        )
        _write_atomic(uploads / f"{token}.json", json.dumps(asdict(staged), indent=2).encode())
    except BaseException:
        staged_file.unlink(missing_ok=True)
        raise
    return staged


def apply_upload(raw_dir: Path, state_dir: Path, token: str) -> AppliedUpload:
    """Put the staged upload ``token`` in place; the file it replaces goes to history.

    Every write is atomic. Raises ``UploadError("expired")`` for an unknown or expired token.
    """
    staged = load_staged(state_dir, token)
    registry = load_registry(raw_dir)
    if (staged.platform in registry.names) == staged.is_new_platform:
        # The platform was added or removed meanwhile, so the diff shown no longer holds.
        raise UploadError(
            "expired",
            f"the registry changed since this upload was checked; send {staged.filename} again",
            state_dir / UPLOADS_DIR / f"{token}.csv",
        )
    registry_path = raw_dir / REGISTRY_FILE
    registry_before = registry_text = None
    if staged.is_new_platform:
        platform = _new_platform(registry, staged.platform, staged.display_name, staged.filename)
        registry_before = registry_path.read_bytes()
        registry_text = with_platform(registry_before.decode("utf-8"), platform, registry_path)
    else:
        platform = registry.get(staged.platform)
    catalogues = raw_dir / "catalogues"
    target = catalogues / platform.file
    history_file = None
    if target.exists():
        private_folder(catalogues / HISTORY_DIR)
        kept = _history_path(catalogues / HISTORY_DIR, target)
        _write_atomic(kept, target.read_bytes())
        history_file = kept.name
    applied = AppliedUpload(
        platform=platform.name,
        display_name=platform.display_name,
        is_new_platform=staged.is_new_platform,
        file=platform.file,
        history_file=history_file,
        registry_before=registry_before,
        diff=staged.diff,
    )
    try:
        # The file first: the registry never names a catalogue that is not there.
        _write_atomic(target, (state_dir / UPLOADS_DIR / f"{token}.csv").read_bytes())
        if registry_text is not None:
            _write_atomic(registry_path, registry_text.encode("utf-8"))
    except BaseException:
        undo_upload(raw_dir, applied)
        raise
    discard_upload(state_dir, token)
    return applied


def undo_upload(raw_dir: Path, applied: AppliedUpload) -> None:
    """Put back the catalogue file and the registry that ``applied`` replaced, byte for byte."""
    catalogues = raw_dir / "catalogues"
    if applied.registry_before is not None:
        _write_atomic(raw_dir / REGISTRY_FILE, applied.registry_before)
    if applied.history_file is None:
        (catalogues / applied.file).unlink(missing_ok=True)
    else:
        os.replace(catalogues / HISTORY_DIR / applied.history_file, catalogues / applied.file)


def discard_upload(state_dir: Path, token: str) -> None:
    """Delete the staged upload ``token``; raises ``UploadError("expired")`` when it is gone."""
    uploads = state_dir / UPLOADS_DIR
    metadata = uploads / f"{token}.json"
    if not _TOKEN.fullmatch(token) or not metadata.is_file():
        raise _expired(state_dir, token)
    metadata.unlink()
    (uploads / f"{token}.csv").unlink(missing_ok=True)


def format_diff(diff: UploadDiff) -> str:
    """The dry-run diff in plain English, for the command line."""
    what = "new platform" if diff.is_new_platform else "platform"
    usable = diff.rows - len(diff.quarantined)
    lines = [
        f"{what} {diff.display_name} ({diff.platform}): {diff.rows:,} rows, {usable:,} usable, "
        f"{len(diff.quarantined):,} quarantined"
    ]
    if diff.current_error:
        lines.append(f"  the current file cannot be read ({diff.current_error}); compared as empty")
    for kind in ("added", "removed", "changed", "unchanged"):
        examples = diff.examples.get(kind, [])
        more = f"  e.g. {', '.join(examples)}" if examples else ""
        lines.append(f"  {kind:<10}{getattr(diff, kind):>7,}{more}")
    if diff.changed_columns:
        columns = ", ".join(f"{name} {count:,}" for name, count in diff.changed_columns.items())
        lines.append(f"  changed columns: {columns}")
    for row in diff.quarantined[:10]:
        lines.append("  " + describe_quarantined(row))
    if len(diff.quarantined) > 10:
        lines.append(f"  … and {len(diff.quarantined) - 10} more quarantined rows")
    return "\n".join(lines)


def _platform_for(
    registry: PlatformRegistry, name: str, display_name: str | None, filename: str
) -> Platform:
    """The registered platform ``name`` resolves to, or the new platform it would be."""
    existing = registry.resolve(name)
    if existing is not None:
        return existing
    name = name.strip().lower()
    if not _PLATFORM_NAME.fullmatch(name):
        raise UploadError(
            "bad_platform",
            f"{name!r} is not a platform name: 2 to 20 lowercase letters and digits, "
            "starting with a letter",
            filename,
        )
    display_name = (display_name or "").strip()
    if not display_name:
        raise UploadError(
            "display_name_needed", f"{name} is a new platform: give it a display name", filename
        )
    if len(display_name) > MAX_DISPLAY_NAME or not display_name.isprintable():
        raise UploadError(
            "bad_display_name",
            f"a display name is one line of at most {MAX_DISPLAY_NAME} characters",
            filename,
        )
    taken = registry.resolve(display_name)
    if taken is not None:
        raise UploadError(
            "bad_display_name", f"{display_name!r} already names {taken.display_name}", filename
        )
    return _new_platform(registry, name, display_name, filename)


def _new_platform(
    registry: PlatformRegistry, name: str, display_name: str, filename: str
) -> Platform:
    letter = free_letter(registry, name)
    file = f"{name}_titles.csv"
    if letter is None or file in {platform.file for platform in registry}:
        reason = "every id letter is taken" if letter is None else f"{file} is taken"
        raise UploadError("bad_platform", f"cannot add {name}: {reason}", filename)
    return Platform(name=name, letter=letter, file=file, display_name=display_name)


def _diff(
    raw_dir: Path,
    staged_file: Path,
    filename: str,
    registry: PlatformRegistry,
    platform: Platform,
    check: UploadCheck | None,
) -> UploadDiff:
    is_new = platform.name not in registry.names
    try:
        raw, _ = read_csv(staged_file, RAW_COLUMNS, max_rows=MAX_UPLOAD_ROWS)
    except EtlError as error:
        code = "missing_columns" if isinstance(error, MissingColumns) else "not_csv"
        raise UploadError(code, error.reason, filename, error.row, error.column) from None
    new = transform_platform(raw, platform, filename)
    if new.frame.empty:
        first = new.quarantined[0] if new.quarantined else {}
        raise UploadError(
            "no_rows",
            f"none of the {new.rows_in:,} rows is usable"
            + (f" (first: {first['reason']})" if first else ""),
            filename,
            first.get("row"),
            first.get("column"),
        )
    if check is not None:
        after = PlatformRegistry([*registry, platform]) if is_new else registry
        check(UploadRows(filename, after, platform, new.frame, new.file_rows))
    current = new.frame.iloc[:0]
    current_error = None
    if not is_new:
        try:
            current_raw, _ = read_csv(raw_dir / "catalogues" / platform.file, RAW_COLUMNS)
            current = transform_platform(current_raw, platform, platform.file).frame
        except EtlError as error:
            current_error = str(error)
    return _compare(
        current, new.frame, platform, is_new, new.rows_in, new.quarantined, current_error
    )


def _compare(
    current: pd.DataFrame,
    new: pd.DataFrame,
    platform: Platform,
    is_new: bool,
    rows: int,
    quarantined: list[dict],
    current_error: str | None,
) -> UploadDiff:
    """Rows added, removed and changed between two clean frames of one platform."""
    current = current.set_index("id")
    new = new.set_index("id")
    added = new.index.difference(current.index, sort=False)
    removed = current.index.difference(new.index, sort=False)
    common = new.index.intersection(current.index, sort=False)
    differs: dict[str, pd.Series] = {}
    for column in new.columns.intersection(current.columns).difference(_KEYS, sort=False):
        before = current.loc[common, column].astype("string")
        after = new.loc[common, column].astype("string")
        same = (before == after).fillna(False) | (before.isna() & after.isna())
        name = _RAW_COLUMN.get(column, column.removesuffix("_display"))
        differs[name] = differs[name] | ~same if name in differs else ~same
    changed_columns = Counter({name: int(mask.sum()) for name, mask in differs.items()})
    changed = common[pd.DataFrame(differs, index=common).any(axis=1)] if differs else common[:0]

    def titles(frame: pd.DataFrame, ids: pd.Index) -> list[str]:
        return frame.loc[ids[:EXAMPLES], "title_display"].fillna("").tolist()

    return UploadDiff(
        platform=platform.name,
        display_name=platform.display_name,
        is_new_platform=is_new,
        rows=rows,
        added=len(added),
        removed=len(removed),
        changed=len(changed),
        unchanged=len(common) - len(changed),
        changed_columns={name: n for name, n in changed_columns.most_common() if n},
        examples={
            "added": titles(new, added),
            "removed": titles(current, removed),
            "changed": titles(new, changed),
        },
        quarantined=quarantined,
        current_error=current_error,
    )


def load_staged(state_dir: Path, token: str) -> StagedUpload:
    """The staged upload ``token``; raises ``UploadError("expired")`` when it is gone."""
    metadata = state_dir / UPLOADS_DIR / f"{token}.json"
    if not _TOKEN.fullmatch(token) or not metadata.is_file() or _is_expired(metadata):
        raise _expired(state_dir, token)
    fields = json.loads(metadata.read_text(encoding="utf-8"))
    return StagedUpload(**{**fields, "diff": UploadDiff(**fields["diff"])})


def _expired(state_dir: Path, token: str) -> UploadError:
    path = state_dir / UPLOADS_DIR / f"{token[:20]}.csv"
    return UploadError("expired", "no such upload: it was applied, discarded or expired", path)


def _is_expired(path: Path) -> bool:
    return time.time() - path.stat().st_mtime > STAGED_SECONDS


def _remove_expired(uploads: Path) -> None:
    for path in uploads.iterdir():
        if path.is_file() and _is_expired(path):
            path.unlink(missing_ok=True)


def _history_path(history: Path, path: Path) -> Path:
    """``history/<stem>.<UTC time>.csv``, numbered when that second already has one."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    kept = history / f"{path.stem}.{stamp}{path.suffix}"
    number = 1
    while kept.exists():
        number += 1
        kept = history / f"{path.stem}.{stamp}-{number}{path.suffix}"
    return kept


def _write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path`` and rename it into place."""
    with tempfile.NamedTemporaryFile(
        dir=path.parent, prefix=f".{path.name}.", delete=False
    ) as file:
        file.write(data)
    try:
        os.replace(file.name, path)
    except BaseException:
        os.unlink(file.name)
        raise
