"""Environment configuration, read once."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DATA_DIR = Path(__file__).resolve().parent.parent / "data"


@dataclass(frozen=True)
class Settings:
    """Where the data lives; the bot's own settings join this in the bot issue."""

    data_dir: Path = DEFAULT_DATA_DIR

    @property
    def raw_dir(self) -> Path:
        return self.data_dir / "raw"

    @property
    def processed_dir(self) -> Path:
        return self.data_dir / "processed"

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        environ = os.environ if environ is None else environ
        data_dir = environ.get("STREAMBOT_DATA_DIR")
        return cls(data_dir=Path(data_dir) if data_dir else DEFAULT_DATA_DIR)
