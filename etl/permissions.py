"""Who may read what StreamBot writes under its data folder: its own user, and nobody else.

The folder holds the chat settings database (Telegram chat and user ids), catalogue files that
admins uploaded and the versions built from them; none of it is for the machine's other users.
So every folder StreamBot creates there is 0700 and every file 0600, whatever the umask: each
writer creates its folders with ``private_folder`` and its files with ``private_file``, or hands
what it wrote to ``make_private`` before publishing it. What StreamBot did not create keeps its
mode: the repository's raw catalogues, or a folder an admin made for the database.

>>> import tempfile
>>> with tempfile.TemporaryDirectory() as root:
...     folder = private_folder(Path(root) / "state" / "uploads")
...     upload = private_file(folder / "upload.csv")
...     modes = [oct(path.stat().st_mode & 0o777) for path in (folder.parent, folder, upload)]
>>> modes
['0o700', '0o700', '0o600']
"""

from __future__ import annotations

import os
from pathlib import Path

FOLDER_MODE = 0o700
FILE_MODE = 0o600


def private_folder(path: Path) -> Path:
    """``path``, with any of its folders that are missing created for this user alone."""
    missing = []
    for folder in (path, *path.parents):
        if folder.exists():
            break
        missing.append(folder)
    path.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    for folder in missing:
        # mkdir's mode goes through the umask, and parents=True does not pass it on.
        folder.chmod(FOLDER_MODE)
    return path


def private_file(path: Path) -> Path:
    """``path``, created empty for this user alone where it is missing (a new SQLite file, say,
    whose journals SQLite then creates with the same mode)."""
    try:
        path.touch(mode=FILE_MODE, exist_ok=False)
    except FileExistsError:
        return path
    path.chmod(FILE_MODE)  # touch's mode goes through the umask
    return path


def make_private(path: Path) -> Path:
    """Make ``path``, a file or a folder with all it holds, this user's alone. For what the caller
    has just written."""
    if path.is_dir():
        for folder, folders, files in os.walk(path):
            for name in folders:
                os.chmod(os.path.join(folder, name), FOLDER_MODE)
            for name in files:
                os.chmod(os.path.join(folder, name), FILE_MODE)
    path.chmod(FOLDER_MODE if path.is_dir() else FILE_MODE)
    return path
