"""An installed wheel works as the checkout does: built, installed in a fresh virtual environment, `kg all`
runs from a folder with no source tree, reading every data file from the installed package."""

from __future__ import annotations

import os
import site
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A new venv holding only the wheel; its dependencies are reached through a path entry to this
    environment's site-packages (no network needed), which does not activate the editable checkout."""
    work = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(work), str(ROOT)],
                   check=True, capture_output=True)  # fmt: skip
    (wheel,) = work.glob("kzlinks_kg-*.whl")
    env_dir = work / "venv"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    target = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                            check=True, capture_output=True, text=True).stdout.strip()  # fmt: skip
    Path(target, "deps-of-the-test-env.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps", str(wheel)],
                   check=True, capture_output=True)  # fmt: skip
    return env_dir


def test_wheel_holds_one_import_package_and_its_data(installed):
    python = installed / "bin" / "python"
    code = (
        "import kzlinks, pathlib; from kzlinks.data import PACKAGED_FACTS, PACKAGED_SOURCES;"
        "from kzlinks.ontology import ONTOLOGY_FILE; from kzlinks.queries import QUERIES_DIR;"
        "print(kzlinks.__file__); print(len(list(PACKAGED_FACTS.glob('*.yaml'))), len(list(PACKAGED_SOURCES.glob('*.txt'))),"
        " ONTOLOGY_FILE.is_file(), len(list(QUERIES_DIR.glob('*.rq'))), (pathlib.Path(kzlinks.__file__).parent / 'py.typed').is_file())"
    )
    out = subprocess.run([python, "-c", code], check=True, capture_output=True, text=True, cwd=installed).stdout
    location, counts = out.splitlines()
    assert location.startswith(str(installed)), f"kzlinks was imported from {location}, not the wheel"
    queries = len(list((ROOT / "queries").glob("*.rq")))
    assert counts == f"5 5 True {queries} True"  # every fact file, article and named query of the checkout
    top_level = {p.name for p in Path(location).parent.parent.iterdir() if not p.name.endswith((".dist-info", ".pth"))}
    assert {"graph", "viz", "ontology", "queries"}.isdisjoint(top_level), top_level


def test_kg_all_runs_from_the_wheel(installed, tmp_path):
    env = {**os.environ, "KG_STORE": str(tmp_path / "store")}
    env.pop("KG_WORKSPACE", None)
    result = subprocess.run([installed / "bin" / "kg", "all"], capture_output=True, text=True, cwd=tmp_path,
                            env=env, timeout=600)  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.count("\n== ") == len(list((ROOT / "queries").glob("*.rq")))
    assert (tmp_path / "kg-views" / "index.html").is_file()
