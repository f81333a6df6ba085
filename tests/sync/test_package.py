"""The package as pip builds it carries everything both servers need: every template and
static file of the repository, and the compiled Indonesian catalogues; and setuptools
says nothing is shipped undeclared ("Package would be ignored")."""
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from sync_support import ROOT

pytestmark = pytest.mark.slow
PACKAGE_DATA = ("/templates/", "/static/")
CATALOGUES = {f"{app}/translations/id/LC_MESSAGES/messages.mo"
              for app in ("central", "branch", "sync")}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A wheel built by pip from a copy of the repository's tracked files; (names, log)."""
    tmp = tmp_path_factory.mktemp("wheel")
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, check=True,
                             capture_output=True).stdout.decode().split("\0")
    source = tmp / "source"
    for name in filter(None, tracked):
        if (Path(ROOT) / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(Path(ROOT) / name, source / name)
    log = subprocess.run([sys.executable, "-m", "pip", "wheel", "-v", "--no-deps", "-w",
                          str(tmp / "out"), str(source)], capture_output=True, text=True,
                         timeout=300)
    assert log.returncode == 0, log.stdout[-2000:] + log.stderr[-2000:]
    (wheel,) = (tmp / "out").glob("antrean-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    return names, tracked, log.stdout + log.stderr


def test_the_wheel_holds_every_template_static_file_and_catalogue(built):
    names, tracked, _ = built
    data = {name for name in tracked if any(part in name for part in PACKAGE_DATA)
            and name.split("/")[0] in ("central", "branch", "sync")}
    assert any(n.startswith("branch/templates/") for n in data)
    assert any(n.startswith("central/") and "/templates/" in n for n in data)
    assert any(n.startswith("branch/static/") for n in data)
    assert data - names == set()
    assert CATALOGUES <= names


def test_the_build_ships_nothing_undeclared(built):
    log = built[2]
    assert "copying" in log                          # setuptools' own output is in the log
    assert "Package would be ignored" not in log
