"""The admin flows, written once for every front end: reload, the kept versions, rollback, and
an uploaded catalogue's dry run and apply.

Each method runs its flow and turns every way it can end into a :class:`~bot.chat.replies.Reply`;
a front end only checks who asks, says that a long flow started, and sends the reply. The
methods block (a reload waits for the ETL's child process): a front end with an event loop
runs them in a worker thread.
"""

from __future__ import annotations

import contextlib
import datetime
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from bot.chat import callbacks
from bot.chat.i18n import date_text, number, plural, t
from bot.chat.replies import Button, Reply, esc, shorten
from bot.chat.replies.titles import BUTTON_TITLE_LENGTH
from bot.reload import (
    ReloadBusy,
    ReloadError,
    ReloadSummary,
    RollbackSummary,
    reload_engine,
    rollback_engine,
    upload_and_reload,
)
from bot.settings import Settings
from etl.shared import Instance, SharedCatalogue, SharedVersion, by_version
from etl.upload import (
    MAX_UPLOAD_BYTES,
    StagedUpload,
    UploadError,
    discard_upload,
    load_staged,
    stage_upload,
)
from etl.versions import KEEP_VERSIONS, VersionError, VersionInfo, list_versions
from recommender.engine import EngineHolder

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class UploadRequest:
    """A catalogue file an admin sent, and what its caption asked for."""

    filename: str
    # A registry name or alias, or the name of a new platform.
    platform: str
    # A new platform's display name; empty for a registered one, which keeps its own.
    display_name: str
    # Who sent it: a Telegram user id.
    uploader: int


def _who(admin: int | None) -> str:
    """An admin as the log names them: by Telegram user id, else whoever runs the console."""
    return f"admin {admin}" if admin is not None else "the console"


class Admin:
    """The admin flows over one served engine and its data folder.

    The holder's reload lock is the busy state: one reload, rollback or upload at a time, and
    a swap notifies the holder's listeners (the workers' supervisor among them).
    """

    def __init__(
        self,
        holder: EngineHolder,
        settings: Settings,
        accepts_files: bool = True,
        shared: SharedCatalogue | None = None,
    ) -> None:
        self.holder = holder
        self.settings = settings
        # The versions every instance shares: a change here is every instance's.
        self.shared = shared
        # Whether admins can send this front end a file to upload (the console cannot).
        self.accepts_files = accepts_files

    @property
    def busy(self) -> bool:
        """Whether a reload, rollback or upload is running in this process."""
        return self.holder.reload_lock.locked()

    @property
    def queued(self) -> bool:
        """Whether another instance's change is running: this one's would wait for it."""
        return self.shared is not None and self.shared.change_busy()

    def reload(self, lang: str) -> Reply:
        """Rebuild the catalogue from ``data/raw`` and serve it; what changed, or why not."""
        settings, titles = self.settings, len(self.holder.engine.catalogue)
        try:
            summary = reload_engine(
                self.holder, settings.raw_dir, settings.processed_dir, self.shared
            )
        except ReloadBusy:
            return _busy_reply(lang)
        except ReloadError as error:
            logger.warning("reload failed: %s", error)
            return reload_failed_reply(error.code, error.detail, titles, lang)
        return reload_done_reply(summary, lang)

    def versions(self, lang: str) -> Reply:
        """The kept catalogue versions, the live one marked; with shared versions, those
        every instance shares, and which instances serve each."""
        if self.shared is None:
            return versions_reply(list_versions(self.settings.processed_dir), lang)
        return versions_reply(self.shared.versions(), lang, self.shared.instances())

    def rollback(self, lang: str, admin: int | None = None) -> Reply:
        """Serve the catalogue version before the live one, with no restart."""
        titles = len(self.holder.engine.catalogue)
        try:
            summary = rollback_engine(self.holder, self.settings.processed_dir, shared=self.shared)
        except ReloadBusy:
            return _busy_reply(lang)
        except VersionError as error:
            return Reply(t(lang, "rollback_none", detail=esc(error)))
        except ReloadError as error:
            logger.warning("rollback failed: %s", error)
            return reload_failed_reply(error.code, error.detail, titles, lang)
        logger.info("%s rolled back: %s", _who(admin), summary)
        return rollback_reply(summary, lang)

    def refuse_upload(self, size: int | None, upload: UploadRequest, lang: str) -> Reply | None:
        """The refusal of a file of ``size`` bytes (as its sender says) before it is fetched;
        ``None`` when it may be."""
        if (size or 0) <= MAX_UPLOAD_BYTES:
            return None
        error = UploadError("too_big", f"{size:,} bytes", upload.filename)
        return self._refused(error, upload, lang)

    def preview_upload(self, data: bytes, upload: UploadRequest, lang: str) -> Reply:
        """Check and stage ``data``; its dry run with buttons to apply or drop it, or why it is
        refused."""
        # matplotlib, which the check draws with, only where an upload is made.
        from bot.upload_check import check_upload

        settings = self.settings
        try:
            staged = stage_upload(
                settings.raw_dir,
                settings.state_dir,
                data,
                upload.filename,
                upload.platform,
                upload.display_name or None,
                upload.uploader,
                check_upload,
            )
        except UploadError as error:
            return self._refused(error, upload, lang)
        if self.shared is not None:  # its "apply" may reach another instance
            self.shared.stage(settings.state_dir, staged.token)
        logger.info("upload %s of %s staged for %s", staged.token, upload.filename, upload.platform)
        return upload_preview_reply(staged, lang)

    def _refused(self, error: UploadError, upload: UploadRequest, lang: str) -> Reply:
        logger.info("upload of %s by %s refused: %s", upload.filename, _who(upload.uploader), error)
        return upload_refused_reply(error, lang, upload.platform)

    def start_upload(self, token: str, lang: str) -> Reply:
        """The answer to "apply" on the staged upload ``token``: that it is being applied
        (then call ``apply_upload``), or an alert saying why it cannot be."""
        if self.busy:
            return Reply(t(lang, "reload_busy"), alert=True)
        try:
            self._fetch_staged(token)
            load_staged(self.settings.state_dir, token)
        except UploadError:
            return Reply(t(lang, "upload_expired"), alert=True)
        return Reply(t(lang, "upload_applying"))

    def apply_upload(self, token: str, lang: str, admin: int | None = None) -> Reply:
        """Rebuild with the staged upload ``token`` in place and serve it; what changed, or
        why nothing did."""
        settings, titles = self.settings, len(self.holder.engine.catalogue)
        try:
            self._fetch_staged(token)
            applied, summary = upload_and_reload(
                self.holder,
                settings.raw_dir,
                settings.processed_dir,
                settings.state_dir,
                token,
                self.shared,
            )
        except ReloadBusy:
            return _busy_reply(lang)
        except UploadError as error:
            self._unstage(token)
            return upload_refused_reply(error, lang)
        except ReloadError as error:
            logger.warning("upload %s not served: %s", token, error)
            failed = reload_failed_reply(error.code, error.detail, titles, lang).text
            return Reply(f"{failed}\n{t(lang, 'upload_undone')}")
        self._unstage(token)
        logger.info("upload %s applied by %s", token, _who(admin))
        done = t(lang, "upload_done", platform=esc(applied.display_name))
        return Reply(f"{done}\n{reload_done_reply(summary, lang).text}")

    def cancel_upload(self, token: str, lang: str) -> Reply:
        """Drop the staged upload ``token``; an alert when it is already gone."""
        kept = self._unstage(token)
        try:
            discard_upload(self.settings.state_dir, token)
        except UploadError:
            if not kept:  # else another instance staged it, and now no instance has it
                return Reply(t(lang, "upload_expired"), alert=True)
        return Reply(t(lang, "upload_cancelled"))

    def _fetch_staged(self, token: str) -> None:
        """With shared versions, the upload ``token`` as every instance knows it: brought
        into this data folder when another instance staged it, and dropped from it when it
        was applied or dropped on another."""
        state_dir = self.settings.state_dir
        if self.shared is not None and not self.shared.fetch_staged(state_dir, token):
            with contextlib.suppress(UploadError):
                discard_upload(state_dir, token)

    def _unstage(self, token: str) -> bool:
        """Forget the upload ``token`` for every instance; whether they had it."""
        return self.shared is not None and self.shared.unstage(token)


def _busy_reply(lang: str) -> Reply:
    return Reply(t(lang, "reload_busy"))


# -- replies: versions, rollback and uploads -----------------------------------------------
UPLOAD_EXAMPLES = 3
UPLOAD_QUARANTINED_SHOWN = 5


def _when(lang: str, moment: datetime.datetime) -> str:
    return f"{date_text(lang, moment.date().isoformat())} {moment:%H:%M} UTC"


def versions_reply(
    versions: Sequence[VersionInfo | SharedVersion],
    lang: str,
    instances: Sequence[Instance] | None = None,
) -> Reply:
    """The kept catalogue versions, newest first, the live one marked; with ``instances``,
    those serving each version."""
    if not versions:
        return Reply(t(lang, "versions_none"))
    lines = [t(lang, "versions_header", keep=KEEP_VERSIONS)]
    serving = by_version(instances or ())
    for version in versions:
        lines.append(
            t(
                lang,
                "versions_line",
                marker="▶️" if version.live else "•",
                name=esc(version.name),
                created=_when(lang, version.created),
                size=f"{number(lang, version.size / 1e6, 1)} MB",
                titles=plural(lang, "titles", version.titles),
                quarantined=number(lang, version.quarantined),
            )
        )
        if version.name in serving:
            names = ", ".join(map(esc, serving[version.name]))
            lines.append(t(lang, "versions_serving", names=names))
    if instances is not None:
        lines += ["", plural(lang, "versions_shared", len(instances))]
    return Reply("\n".join([*lines, "", t(lang, "versions_hint")]))


def rollback_reply(summary: RollbackSummary, lang: str) -> Reply:
    """What a rollback switched to."""
    return Reply(
        t(
            lang,
            "rollback_done",
            to=esc(summary.to_version),
            created=_when(lang, summary.created),
            before=number(lang, summary.titles_before),
            after=number(lang, summary.titles_after),
            previous=esc(summary.from_version),
        )
    )


def upload_preview_reply(staged: StagedUpload, lang: str) -> Reply:
    """The dry run of a staged upload, and the buttons to apply or drop it."""
    diff = staged.diff
    platform = esc(diff.display_name)
    lines = [
        t(
            lang,
            "upload_preview",
            file=esc(staged.filename),
            platform=platform,
            new=t(lang, "upload_new_platform") if diff.is_new_platform else "",
            rows=number(lang, diff.rows),
            added=number(lang, diff.added),
            removed=number(lang, diff.removed),
            changed=number(lang, diff.changed),
            unchanged=number(lang, diff.unchanged),
        )
    ]
    for kind, key in (
        ("added", "upload_examples_added"),
        ("removed", "upload_examples_removed"),
        ("changed", "upload_examples_changed"),
    ):
        titles = diff.examples.get(kind, [])[:UPLOAD_EXAMPLES]
        if titles:
            names = ", ".join(shorten(title, BUTTON_TITLE_LENGTH) for title in titles)
            lines.append(t(lang, key, titles=esc(names)))
    if diff.changed_columns:
        columns = ", ".join(list(diff.changed_columns)[:UPLOAD_EXAMPLES])
        lines.append(t(lang, "upload_changed_columns", columns=esc(columns)))
    if diff.current_error:
        lines.append(t(lang, "upload_current_unreadable", detail=esc(diff.current_error)))
    if diff.quarantined:
        lines.append(t(lang, "upload_quarantined", count=number(lang, len(diff.quarantined))))
        for row in diff.quarantined[:UPLOAD_QUARANTINED_SHOWN]:
            lines.append(
                t(
                    lang,
                    "upload_quarantined_line",
                    row=row["row"],
                    column=esc(row["column"]),
                    reason=esc(shorten(str(row["reason"]), 80)),
                )
            )
    lines += ["", t(lang, "upload_confirm")]
    buttons = (
        Button(t(lang, "upload_apply_button"), callbacks.encode_upload(staged.token, True)),
        Button(t(lang, "upload_cancel_button"), callbacks.encode_upload(staged.token, False)),
    )
    return Reply("\n".join(lines), (buttons,))


def upload_refused_reply(error: UploadError, lang: str, platform: str = "") -> Reply:
    """Why an upload was refused, with the file, row and column where known."""
    detail = esc(shorten(str(error), 300))
    key = _UPLOAD_REASONS.get(error.code)
    if key is None:
        return Reply(t(lang, "upload_refused", reason=detail))
    mb = MAX_UPLOAD_BYTES // (1024 * 1024)
    reason = t(lang, key, detail=detail, mb=mb, platform=esc(platform))
    return Reply(t(lang, "upload_refused", reason=reason))


_UPLOAD_REASONS = {
    "too_big": "upload_too_big",
    "not_csv": "upload_not_csv",
    "missing_columns": "upload_missing_columns",
    "no_rows": "upload_no_rows",
    "bad_platform": "upload_bad_platform",
    "display_name_needed": "upload_display_name_needed",
    "bad_display_name": "upload_bad_display_name",
    "expired": "upload_expired",
}


# -- replies: reload ------------------------------------------------------------------------
def reload_done_reply(summary: ReloadSummary, lang: str) -> Reply:
    """The summary of a finished reload."""
    return Reply(
        t(
            lang,
            "reload_done",
            seconds=t(lang, "seconds", n=number(lang, summary.seconds, 1)),
            before=number(lang, summary.titles_before),
            after=number(lang, summary.titles_after),
            added=number(lang, summary.added),
            removed=number(lang, summary.removed),
            coverage=number(lang, summary.coverage * 100, 1) + " %",
            version=esc(summary.version),
        )
    )


def reload_failed_reply(code: str, detail: str, titles: int, lang: str) -> Reply:
    """Why a reload failed, and that the previous catalogue still serves."""
    reason = t(lang, f"reload_{code}", detail=esc(detail))
    return Reply(t(lang, "reload_failed", reason=reason, titles=number(lang, titles)))
