"""frozen_bundle: packages appended to the executable as a zip, unpacked into the cache on first import."""

from __future__ import annotations

import sys
import threading
import zipfile
from pathlib import Path

import pytest

from voapi_desktop import frozen_bundle

GROUP = "demo"
PACKAGE = "voapi_demo_bundled"


@pytest.fixture(autouse=True)
def demo_group(monkeypatch):
    monkeypatch.setitem(frozen_bundle.GROUPS, GROUP, (PACKAGE, f"{PACKAGE}.libs"))
    before = list(sys.meta_path)
    yield
    sys.meta_path[:] = before
    for name in [name for name in sys.modules if name.split(".")[0] == PACKAGE]:
        del sys.modules[name]


def executable(path: Path, members: dict[str, str]) -> str:
    """A stand-in for the built executable: some bytes, then the zip build.spec appends."""
    path.write_bytes(b"\x7fELF bootloader and PyInstaller archive " * 100)
    with zipfile.ZipFile(path, "a") as bundle:
        for name, text in members.items():
            bundle.writestr(name, text)
    return str(path)


def build(tmp_path: Path, value: int = 1) -> str:
    return executable(tmp_path / f"voapi-desktop-{value}", {
        f"{GROUP}/{PACKAGE}/__init__.py": f"from .inner import VALUE\nVALUE_TOP = {value}\n",
        f"{GROUP}/{PACKAGE}/inner.py": f"VALUE = {value}\n",
        f"{GROUP}/{PACKAGE}.libs/libdemo.so.1": "not really a library",
        "other/elsewhere/__init__.py": "",
    })


def test_the_first_import_unpacks_the_group_and_later_runs_reuse_it(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    frozen_bundle.install(build(tmp_path), cache)
    module = __import__(PACKAGE)
    assert (module.VALUE, module.VALUE_TOP) == (1, 1)
    [folder] = cache.glob(f"{GROUP}-*")
    assert (folder / frozen_bundle.COMPLETE).exists()
    assert (folder / f"{PACKAGE}.libs" / "libdemo.so.1").read_text() == "not really a library"
    assert not (folder / "elsewhere").exists() and not list(cache.glob("other-*"))  # only the group asked for

    monkeypatch.setattr(frozen_bundle, "unpack", lambda *a: pytest.fail("unpacked twice"))
    again = frozen_bundle.OnDemand(build(tmp_path), cache)
    assert again.folder(GROUP) == folder


def test_a_new_build_gets_a_new_folder_and_the_old_one_goes(tmp_path):
    cache = tmp_path / "cache"
    old = frozen_bundle.OnDemand(build(tmp_path, 1), cache).folder(GROUP)
    new = frozen_bundle.OnDemand(build(tmp_path, 2), cache).folder(GROUP)
    assert new != old and not old.exists()
    assert (new / PACKAGE / "inner.py").read_text() == "VALUE = 2\n"


def test_processes_starting_at_once_share_one_complete_folder(tmp_path):
    cache, exe = tmp_path / "cache", build(tmp_path)
    found, errors = [], []

    def start() -> None:
        try:
            found.append(frozen_bundle.OnDemand(exe, cache).folder(GROUP))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
    threads = [threading.Thread(target=start) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == [] and len(set(found)) == 1
    assert (found[0] / frozen_bundle.COMPLETE).exists()
    assert [path.name for path in cache.iterdir()] == [found[0].name]  # no staging folder left behind


def test_without_an_appended_zip_the_import_is_simply_not_found(tmp_path):
    plain = tmp_path / "plain"
    plain.write_bytes(b"\x7fELF no bundle here")
    frozen_bundle.install(str(plain), tmp_path / "cache")
    with pytest.raises(ModuleNotFoundError):
        __import__(PACKAGE)
    assert not (tmp_path / "cache").exists()


def test_a_member_pointing_outside_its_folder_is_refused_and_nothing_is_left(tmp_path):
    exe = executable(tmp_path / "evil", {f"{GROUP}/{PACKAGE}/__init__.py": "",
                                         f"{GROUP}/../../escaped.py": "print('no')"})
    cache = tmp_path / "cache"
    with pytest.raises(frozen_bundle.BundleError, match="unexpected path"):
        frozen_bundle.OnDemand(exe, cache).folder(GROUP)
    assert not (tmp_path / "escaped.py").exists()
    assert list(cache.iterdir()) == []


def test_an_unwritable_cache_is_an_import_error_that_says_where(tmp_path):
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the cache folder should be")
    frozen_bundle.install(build(tmp_path), blocker)
    with pytest.raises(ImportError, match="could not unpack demo"):
        __import__(PACKAGE)


def test_module_names_and_bundle_paths_map_to_their_group():
    assert frozen_bundle.group_of("PySide6") == "qt"
    assert frozen_bundle.group_of("shiboken6/Shiboken.abi3.so") == "qt"
    assert frozen_bundle.group_of("psycopg2_binary.libs/libpq.so.5") == "postgres"
    assert frozen_bundle.group_of("toktok") == "tokenizer"
    assert frozen_bundle.group_of("voapi_desktop/cli.py") is None
