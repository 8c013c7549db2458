"""Catalogue uploads: stage a CSV with a dry-run diff, then apply it keeping the old file.

An upload is checked the way the ETL reads (``read_csv``, ``transform_platform``), and by
the caller's ``check`` of the rows it would serve, before it goes anywhere near ``raw/``:
``stage_upload`` keeps it under ``state/uploads/<token>`` and says what would change. Applying
it (``etl.build.publish_upload``) builds from a copy of the live inputs with the upload in
place (``prepare_upload``), and only once that build is live does ``finish_upload`` move it
into ``raw/catalogues/`` (and a new platform into the registry), keeping the file it replaces
in ``raw/catalogues/history/``. So the raw data of record never holds an upload that is not
served.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import secrets
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from etl.errors import EtlError
from etl.extract import MissingColumns, read_csv
from etl.permissions import make_private, private_file, private_folder
from etl.platforms import REGISTRY_FILE, free_letter, load_registry, with_platform
from etl.transform import RAW_COLUMNS, describe_quarantined, transform_platform
from etl.versions import crash_point, disk_full, link_or_copy, write_atomic
from recommender.platforms import Platform, PlatformRegistry

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
# Ten times the largest catalogue. The dry run runs in the bot's process and costs by the
# row, and 20 MB of near-empty rows are a million and a half of them.
MAX_UPLOAD_ROWS = 100_000
STAGED_SECONDS = 24 * 60 * 60
UPLOADS_DIR = "uploads"
HISTORY_DIR = "history"
# In the inputs ``prepare_upload`` makes: what ``finish_upload`` moves into raw/.
UPLOAD_RECORD = "upload.json"
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
    """A checked upload waiting under ``state/uploads/<token>.csv`` for ``prepare_upload``."""

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
    """An upload put in place: built from, then moved into raw/ by ``finish_upload``."""

    platform: str
    display_name: str
    is_new_platform: bool  # then platforms.toml changes too
    # The catalogue file in raw/catalogues/ that holds the upload.
    file: str
    # The name the file it replaces gets in raw/catalogues/history/; None when there is none.
    history_file: str | None
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
    try:
        private_file(staged_file).write_bytes(data)
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
        write_atomic(uploads / f"{token}.json", json.dumps(asdict(staged), indent=2).encode())
    except BaseException as error:
        staged_file.unlink(missing_ok=True)
        if disk_full(error):
            raise UploadError("disk_full", "the disk is full: nothing was kept", filename) from None
        raise
    return staged


def prepare_upload(raw_dir: Path, state_dir: Path, token: str, inputs: Path) -> AppliedUpload:
    """Put the staged upload ``token`` (and a new platform) in ``inputs``, a copy of the inputs
    in ``raw_dir``, and record there how ``finish_upload`` moves it into ``raw_dir``.

    The staged upload is used up; ``raw_dir`` does not change. Raises
    ``UploadError("expired")`` for an unknown or expired token.
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
    private_folder(inputs / "catalogues")
    if staged.is_new_platform:
        platform = _new_platform(registry, staged.platform, staged.display_name, staged.filename)
        registry_path = raw_dir / REGISTRY_FILE
        text = with_platform(registry_path.read_text(encoding="utf-8"), platform, registry_path)
        write_atomic(inputs / REGISTRY_FILE, text.encode("utf-8"))
    else:
        platform = registry.get(staged.platform)
    current = raw_dir / "catalogues" / platform.file
    upload = inputs / "catalogues" / platform.file
    upload.unlink(missing_ok=True)  # the live file, linked in with the other inputs
    link_or_copy(state_dir / UPLOADS_DIR / f"{token}.csv", upload)
    history = _history_path(current.parent / HISTORY_DIR, current) if current.exists() else None
    applied = AppliedUpload(
        platform=platform.name,
        display_name=platform.display_name,
        is_new_platform=staged.is_new_platform,
        file=platform.file,
        history_file=None if history is None else history.name,
        diff=staged.diff,
    )
    write_atomic(inputs / UPLOAD_RECORD, json.dumps(asdict(applied), indent=2).encode())
    discard_upload(state_dir, token)
    return applied


def finish_upload(raw_dir: Path, inputs: Path) -> AppliedUpload | None:
    """Move the upload ``prepare_upload`` put in ``inputs`` into ``raw_dir``: the file it
    replaces into history first, the registry last, so the registry never names a catalogue
    that is not there. The upload moved; ``None`` when ``inputs`` holds none.

    Repeating it after a crash part way through finishes the move.
    """
    try:
        fields = json.loads((inputs / UPLOAD_RECORD).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    applied = AppliedUpload(**{**fields, "diff": UploadDiff(**fields["diff"])})
    catalogues = raw_dir / "catalogues"
    upload = inputs / "catalogues" / applied.file
    if upload.exists():  # not moved yet
        current = catalogues / applied.file
        if applied.history_file is not None and current.exists():
            private_folder(catalogues / HISTORY_DIR)
            with contextlib.suppress(FileExistsError):  # kept before a crash
                link_or_copy(current, catalogues / HISTORY_DIR / applied.history_file)
            # A link to the file it replaces, which is the history's alone once replaced.
            make_private(catalogues / HISTORY_DIR / applied.history_file)
        crash_point("moving")
        _move(upload, current)
    if applied.is_new_platform and (inputs / REGISTRY_FILE).exists():
        _move(inputs / REGISTRY_FILE, raw_dir / REGISTRY_FILE)
    return applied


def _move(source: Path, target: Path) -> None:
    """Rename ``source`` over ``target``, or copy it where they are on different disks."""
    try:
        os.replace(source, target)
    except OSError as error:
        if error.errno != errno.EXDEV:
            raise
        write_atomic(target, source.read_bytes())
        source.unlink()


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


def remove_expired_uploads(state_dir: Path) -> None:
    """Delete the staged uploads (and anything else in ``state/uploads``) past their expiry."""
    uploads = state_dir / UPLOADS_DIR
    if uploads.is_dir():
        _remove_expired(uploads)


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
