"""The layout of the built catalogue versions under ``data/processed/``.

Each version is a folder ``versions/<name>/`` holding the files named here; ``CURRENT`` holds
the name of the live one. ``engine.pkl`` holds the engine as the build prepared it, every
table it works out from the catalogue included, so that loading computes nothing per title.
Its large numeric arrays are set aside as ``.npy`` files beside it (``dump``), which loading
memory-maps read-only (``load``): a version loads without reading them, and every process
serving it shares one copy of them in the page cache. A part the first answers never read (the
record table) is set aside too, as a pickle of its own that loads on first use (``Deferred``).
"""

from __future__ import annotations

import gc
import json
import pickle
import threading
from pathlib import Path
from typing import Any, Generic, TypeVar

import numpy as np

CURRENT_FILE = "CURRENT"
VERSIONS_DIR = "versions"
MANIFEST_FILE = "manifest.json"
REPORT_FILE = "report.json"
ENGINE_FILE = "engine.pkl"
#: How the files of a version are written, as its manifest says. A version of another format
#: (whole pickles of the engine's parts before format 2, its parts with their arrays beside
#: them in format 2, the engine with its record table inside in format 3) is no version here:
#: it is rebuilt, never misread.
FORMAT = 4
# Smaller arrays stay inside their pickle: a file each would cost more than they save.
MAPPED_FROM = 64 * 1024  # bytes
# The kinds of array ``np.load`` can map: booleans and numbers, none holding Python objects.
_MAPPABLE_KINDS = frozenset("biuf")
T = TypeVar("T")


def version_folder(processed_dir: Path, name: str) -> Path:
    """The folder of the version called ``name``, whether it exists or not."""
    return processed_dir / VERSIONS_DIR / name


def current_folder(processed_dir: Path) -> Path | None:
    """The folder of the live version, if ``CURRENT`` names a complete version.

    An older layout (``CURRENT`` naming a folder directly under ``processed_dir``) has no live
    version here, so it is rebuilt rather than served.
    """
    try:
        name = (processed_dir / CURRENT_FILE).read_text().strip()
    except OSError:
        return None
    if not name or name.startswith(".") or Path(name).name != name:
        return None
    folder = version_folder(processed_dir, name)
    return folder if manifest_of(folder) is not None else None


def manifest_of(folder: Path) -> dict[str, Any] | None:
    """The manifest of the version in ``folder``; ``None`` when there is no complete version of
    this ``FORMAT`` there."""
    try:
        manifest = json.loads((folder / MANIFEST_FILE).read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        return None
    return manifest


class Deferred(Generic[T]):
    """A value that ``dump`` writes as a pickle of its own, which ``load`` leaves unread until
    its ``value`` is first asked for.

    Threads asking at once wait for the one load, under a lock. A process that forks loads it
    first (``value``), so that its children share it rather than each loading a copy.
    """

    def __init__(self, value: T) -> None:
        self._value = value
        self._file: tuple[Path, str] | None = None  # where it is, until loaded
        self._lock = threading.Lock()

    @classmethod
    def _unread(cls, folder: Path, name: str) -> Deferred[Any]:
        deferred = cls(None)
        deferred._file = (folder, name)
        return deferred

    @property
    def value(self) -> T:
        """The value, loaded now if it was not yet."""
        if self._file is not None:
            with self._lock:
                if self._file is not None:  # another thread may have loaded it meanwhile
                    self._value = load(*self._file)
                    self._file = None
        return self._value

    def __reduce__(self) -> tuple[type[Deferred[T]], tuple[T]]:
        # Outside a version (a build's result sent between processes), the value itself.
        return (Deferred, (self.value,))


class _Pickler(pickle.Pickler):
    """Pickles with each large numeric array written to a ``.npy`` file of its own, and each
    ``Deferred`` value to a pickle of its own."""

    def __init__(self, file: Any, folder: Path, stem: str) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self._folder, self._stem = folder, stem
        self._saved: dict[int, str] = {}  # by id: an array held twice is saved once
        self._deferred = 0

    def persistent_id(self, obj: Any) -> str | None:
        if type(obj) is Deferred:
            name = f"{self._stem}.{self._deferred}.pkl"
            self._deferred += 1
            dump(obj.value, self._folder, name)
            return name
        if not (
            type(obj) is np.ndarray
            and obj.dtype.kind in _MAPPABLE_KINDS
            and obj.nbytes >= MAPPED_FROM
        ):
            return None
        name = self._saved.get(id(obj))
        if name is None:
            name = self._saved[id(obj)] = f"{self._stem}.{len(self._saved)}.npy"
            np.save(self._folder / name, obj, allow_pickle=False)
        return name


class _Unpickler(pickle.Unpickler):
    """Unpickles with each array set aside by ``_Pickler`` mapped read-only from its file, and
    each ``Deferred`` value left in its file until asked for."""

    def __init__(self, file: Any, folder: Path) -> None:
        super().__init__(file)
        self._folder = folder

    def persistent_load(self, pid: Any) -> np.ndarray | Deferred[Any]:
        if not isinstance(pid, str) or Path(pid).name != pid:
            raise pickle.UnpicklingError(f"not a file of this folder: {pid!r}")
        if pid.endswith(".pkl"):
            return Deferred._unread(self._folder, pid)
        if not pid.endswith(".npy"):
            raise pickle.UnpicklingError(f"not an array file of this folder: {pid!r}")
        return np.load(self._folder / pid, mmap_mode="r", allow_pickle=False)


def dump(value: object, folder: Path, name: str) -> None:
    """Pickle ``value`` as ``folder/name``, each large numeric array it holds (a sparse
    matrix's too) as ``folder/<stem>.<n>.npy``, and each ``Deferred`` one's value as
    ``folder/<stem>.<n>.pkl`` (dumped the same way)."""
    with open(folder / name, "wb") as file:
        _Pickler(file, folder, Path(name).stem).dump(value)


def load(folder: Path, name: str) -> Any:
    """What ``dump`` wrote as ``folder/name``, its arrays memory-mapped read-only (``np.memmap``
    of mode ``"r"``), its ``Deferred`` values unread: nothing the loaded object does can write to
    the version."""
    collecting = gc.isenabled()
    # Unpickling makes millions of objects and no garbage: the collector, run every few
    # thousand new containers, would walk every object made so far, again and again.
    gc.disable()
    try:
        with open(folder / name, "rb") as file:
            return _Unpickler(file, folder).load()
    finally:
        if collecting:
            gc.enable()
