"""The one error the ETL raises for input it cannot build from."""

from __future__ import annotations

from pathlib import Path


class EtlError(Exception):
    """Bad input that stops the build; the message names the file, and row and column if known."""

    def __init__(
        self, path: Path | str, message: str, row: int | None = None, column: str | None = None
    ) -> None:
        self.path = Path(path)
        self.row = row
        self.column = column
        self.reason = message
        # "catalogues/hulu_titles.csv": enough to find the file, no machine-specific prefix.
        where = [str(Path(*self.path.parts[-2:])) if self.path.parts else str(self.path)]
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column '{column}'")
        super().__init__(f"{', '.join(where)}: {message}")

    def __reduce__(self) -> tuple:
        # Rebuilt from its parts, so it crosses a process boundary intact (reloads build in
        # a child process).
        return (type(self), (self.path, self.reason, self.row, self.column))
