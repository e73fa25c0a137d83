"""Sizes, the bench accounts and the app factory shared by the bench scripts."""

from __future__ import annotations

import os
import platform
import subprocess
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "bench"
WORK_DIR = Path(os.environ.get("BENCH_WORK_DIR", ROOT / "instance" / "bench"))
RESULTS_DIR = Path(os.environ.get("BENCH_RESULTS_DIR", BENCH_DIR / "results"))

PASSWORD = "bench password 2026 not secret"  # noqa: S105 (a generated account on a throw-away database)
OPERATOR_USER = "bench"
SUPPORT_USER = "bench-support"
GSTAT_OPERATOR_NAME = "Banco prova GSTAT S.r.l."
GSTAT_BENCH_PLANTS = 100  # 100 plants × 100 months = the 10,000-row upload of the micro-benchmark
SECRET_KEY = "bench-secret-key-not-for-production"  # noqa: S105


@dataclass(frozen=True)
class Size:
    name: str
    operators: int
    users: int
    supply_points: int
    invoices: int
    measurements: int
    gstat_reports: int


SIZES = {
    "small": Size("small", 100, 250, 500, 10_000, 100_000, 2_000),
    "medium": Size("medium", 1_000, 2_500, 5_000, 100_000, 1_000_000, 20_000),
    "large": Size("large", 10_000, 25_000, 50_000, 1_000_000, 5_000_000, 200_000),
}


def sqlite_url(size: str) -> str:
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{WORK_DIR / f'bench-{size}.sqlite3'}"


def postgres_url(size: str) -> str:
    """One database per size (bench_pg_small, ...), so that sizes can be compared side by side."""
    base = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/bench_pg")
    return f"{base}_{size}"


def database_urls(size: str, which: str = "sqlite,postgresql") -> dict[str, str]:
    urls = {"sqlite": sqlite_url(size), "postgresql": postgres_url(size)}
    return {name: urls[name] for name in which.split(",") if name}


def bench_config(url: str) -> dict:
    return {
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": SECRET_KEY,
        "LOGIN_RATE_LIMIT": "1000 per minute",
        "WTF_CSRF_ENABLED": True,
        "LOG_REQUESTS": False,
        "MAIL_OUTBOX": True,
        "MAIL_SERVER": "",
    }


def make_app(url: str):
    from myportal import create_app
    from myportal.ops import init_app

    app = create_app(bench_config(url))
    init_app(app)
    return app


def machine() -> dict:
    """A short description of the machine the benchmark ran on."""
    info = {"platform": platform.platform(), "python": platform.python_version(), "cores": os.cpu_count()}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                info["memory_gb"] = round(int(line.split()[1]) / 1024 / 1024, 1)
                break
    except OSError:
        pass
    for name, command in (
        ("sqlite", ["python3", "-c", "import sqlite3; print(sqlite3.sqlite_version)"]),
        ("postgresql", ["psql", "--version"]),
        ("wrk", ["wrk", "--version"]),
    ):
        try:
            out = subprocess.run(command, capture_output=True, text=True, timeout=10)
            info[name] = (out.stdout or out.stderr).strip().splitlines()[0]
        except (OSError, IndexError, subprocess.SubprocessError):
            info[name] = "n/a"
    return info
