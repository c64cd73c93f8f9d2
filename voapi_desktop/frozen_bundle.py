"""Packages the one-file executable unpacks on first use, not on every start.

PyInstaller's one-file bootloader unpacks everything it carries on every run. Qt alone is 107 MB of
that, and `serve` never loads it. So build.spec takes the packages in `GROUPS` out of PyInstaller's
archive and appends them to the executable as a zip (the bootloader finds its own archive by
searching backwards from the end, so data after it is left alone). The frozen entry point
(packaging/entry.py) calls `install()`; the first `import PySide6` (or psycopg2, toktok, nh3) then
unpacks that package's group into `<user cache>/<group>-<digest>`, into a temp folder renamed when
complete, so two processes starting at once never see half a tree. Later runs import from there.
Native libraries find each other by their RUNPATH ($ORIGIN), as in site-packages.

The installed (not frozen) app never calls `install()`: its packages come from site-packages.
"""

from __future__ import annotations

import hashlib
import importlib.abc
import importlib.machinery
import shutil
import sys
import tempfile
import threading
import zipfile
from pathlib import Path

# group -> the top-level folders it holds (importable packages and the wheels' bundled libraries)
GROUPS: dict[str, tuple[str, ...]] = {
    "qt": ("PySide6", "shiboken6"),               # the console only
    "postgres": ("psycopg2", "psycopg2_binary.libs"),  # peewee imports it: unpacked on the first run
    "tokenizer": ("toktok",),                     # only when an upstream sent no usage
    "markdown": ("nh3",),                         # the portal's first sanitised Markdown
}
COMPLETE = ".complete"


class BundleError(ImportError):
    """A bundled package could not be unpacked (a full disk, an unwritable cache, a damaged file)."""


def group_of(path: str) -> str | None:
    """The group a bundled path (`PySide6/Qt/lib/...`) or a top-level module name belongs to."""
    top = path.replace("\\", "/").split("/", 1)[0]
    return next((group for group, folders in GROUPS.items() if top in folders), None)


def default_cache() -> Path:
    import platformdirs
    return Path(platformdirs.user_cache_dir("voapi-desktop", appauthor=False))


class OnDemand(importlib.abc.MetaPathFinder):
    """Finds the packages of `GROUPS` in the zip appended to `executable`, unpacking a group once."""

    def __init__(self, executable: str, cache: Path | None = None):
        self.executable = executable
        self.cache = cache
        self._folders: dict[str, Path] = {}
        self._lock = threading.Lock()

    def find_spec(self, name, path=None, target=None):
        group = group_of(name) if path is None else None  # submodules: their package's __path__ finds them
        if group is None:
            return None
        folder = self.folder(group)
        return None if folder is None else importlib.machinery.PathFinder.find_spec(name, [str(folder)])

    def folder(self, group: str) -> Path | None:
        """The unpacked group (unpacked now if needed), or None when the executable carries no bundle."""
        with self._lock:
            if group not in self._folders:
                try:
                    bundle = zipfile.ZipFile(self.executable)
                except (OSError, zipfile.BadZipFile):
                    return None  # a build with everything inside: PyInstaller's importer has it
                with bundle:
                    members = [info for info in bundle.infolist() if info.filename.startswith(group + "/")]
                    if not members:
                        return None
                    cache = self.cache or default_cache()
                    folder = cache / f"{group}-{digest(members)}"
                    if not (folder / COMPLETE).exists():
                        unpack(bundle, members, group, folder)
                self._folders[group] = folder
            return self._folders[group]


def install(executable: str | None = None, cache: Path | None = None) -> OnDemand:
    """Put the finder last on `sys.meta_path` (after PyInstaller's own importer)."""
    finder = OnDemand(executable or sys.executable, cache)
    sys.meta_path.append(finder)
    return finder


def digest(members: list[zipfile.ZipInfo]) -> str:
    """Names, sizes and CRCs: a new build gets a new folder without hashing the bytes."""
    listing = "\n".join(f"{info.filename} {info.CRC:08x} {info.file_size}" for info in members)
    return hashlib.sha256(listing.encode()).hexdigest()[:16]


def unpack(bundle: zipfile.ZipFile, members: list[zipfile.ZipInfo], group: str, folder: Path) -> None:
    """Unpack `group/...` members into a temp sibling of `folder`, then rename it into place and
    remove the group's older folders."""
    staging = None
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{group}-", dir=folder.parent))
        root = staging.resolve()
        for info in members:
            target = (staging / info.filename[len(group) + 1:]).resolve()
            if not target.is_relative_to(root) or target == root:
                raise BundleError(f"unexpected path in the executable's bundle: {info.filename}")
            if info.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            with bundle.open(info) as source, open(target, "wb") as out:
                shutil.copyfileobj(source, out, 1 << 20)
        (staging / COMPLETE).touch()
    except (OSError, zipfile.BadZipFile, RuntimeError, BundleError) as exc:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
        if isinstance(exc, BundleError):
            raise
        raise BundleError(f"could not unpack {group} into {folder.parent}: {exc}") from exc
    try:
        staging.rename(folder)
    except OSError:  # another process finished first: use its copy
        shutil.rmtree(staging, ignore_errors=True)
        if not (folder / COMPLETE).exists():
            raise BundleError(f"could not unpack {group} into {folder}") from None
    for old in folder.parent.glob(f"{group}-*"):
        if old != folder:
            shutil.rmtree(old, ignore_errors=True)
