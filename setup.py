"""Which packages the wheel holds; everything else is declared in setup.cfg.

The repository keeps templates/, static/ and migrations/ at its top level; the wheel ships them inside the
package (``myportal/templates`` ...), so that an installed portal finds them next to its code. Their files are
listed by MANIFEST.in (include_package_data).
"""

from setuptools import find_namespace_packages, setup

SHIPPED_FOLDERS = ("templates", "static", "migrations")


def shipped_packages(folder: str) -> list[str]:
    """``folder`` and its sub-folders as the data packages ``myportal.<folder>...``."""
    inside = find_namespace_packages(where=folder, exclude=["*__pycache__*"])
    return [f"myportal.{folder}", *(f"myportal.{folder}.{name}" for name in inside)]


setup(
    packages=[
        *find_namespace_packages(include=["myportal", "myportal.*"], exclude=["*__pycache__*"]),  # with data folders
        *(package for folder in SHIPPED_FOLDERS for package in shipped_packages(folder)),
    ],
    package_dir={f"myportal.{folder}": folder for folder in SHIPPED_FOLDERS},
)
