"""Where the portal finds its folders and writes its files, in the checkout and once installed from the wheel
(the whole installed journey is `.ci/wheel-journey`)."""

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from config import TestingConfig, instance_path
from myportal import ROOT, create_app
from myportal.extensions import db

SHIPPED_FOLDERS = ("templates", "static", "migrations")


def _files(folder: Path) -> set[str]:
    """The files of a top-level folder, as paths relative to the checkout (no byte-code)."""
    return {
        path.relative_to(ROOT).as_posix()
        for path in folder.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    }


def test_checkout_serves_its_top_level_folders():
    app = create_app(TestingConfig)
    assert Path(app.template_folder) == ROOT / "templates"
    assert Path(app.static_folder) == ROOT / "static"
    assert Path(app.extensions["migrate"].directory) == ROOT / "migrations"


def test_instance_folder_defaults_to_the_current_directory(monkeypatch, tmp_path):
    monkeypatch.delenv("INSTANCE_PATH", raising=False)
    monkeypatch.chdir(tmp_path)
    assert instance_path() == str(tmp_path / "instance")
    assert create_app(TestingConfig).instance_path == str(tmp_path / "instance")


def test_instance_folder_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("INSTANCE_PATH", "data/portal")  # a relative path is taken from the current directory
    assert create_app(TestingConfig).instance_path == str(tmp_path / "data" / "portal")


def test_default_sqlite_database_lies_in_the_instance_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "instance"))

    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = "sqlite:///myportal.sqlite3"  # the default of DATABASE_URL

    app = create_app(Config)
    with app.app_context():
        assert db.engine.url.database == str(tmp_path / "instance" / "myportal.sqlite3")
        db.engine.dispose()
    assert (tmp_path / "instance").is_dir()  # created by Flask-SQLAlchemy, so `db upgrade` can write the file


@pytest.mark.packaging
def test_wheel_ships_the_top_level_folders_inside_the_package(tmp_path):
    pytest.importorskip("build")
    subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("myportal-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())

    for folder in SHIPPED_FOLDERS:
        expected = {f"myportal/{name}" for name in _files(ROOT / folder)}
        assert expected, folder
        assert expected <= names, sorted(expected - names)
    assert {"config.py", "wsgi.py", "myportal/security/common-passwords.txt.gz"} <= names
    assert not [name for name in names if "__pycache__" in name or name.endswith(".pyc")]
    assert not [name for name in names if name.split("/")[0] in SHIPPED_FOLDERS]  # nothing at site-packages' top
