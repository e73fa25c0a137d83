"""Writes bench/RESULTS.md from the JSON figures in bench/results/ (and the analysis in bench/FINDINGS.md)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .common import BENCH_DIR, RESULTS_DIR, SIZES

RATIO_TARGETS = {
    "home": 0.20,
    "invoice list": 0.20,
    "measurement filter": 0.20,
    "support VAT look-up": 0.20,
    "invoice PDF": 0.10,
}
# p99 targets: every measured page on PostgreSQL; the read-only pages (all but the upload) on SQLite.
P99_TARGET_MS = {"postgresql": 100, "sqlite": 300}
WRITING_PAGES = ("GSTAT upload",)
# In process (bench.floor), against the bare Flask hello of the same run.
FLOOR_TARGETS = {
    "/healthz": 0.50,
    "log-in page, anonymous": 0.25,
    "/contatti, operator": 0.15,
    "/, operator": 0.10,
    "/fatture, operator": 0.10,
}
SIZE_TARGET = 1.3
CSV_TARGET_S = 0.5
GSTAT_TARGET = 0.5
MEMORY_TARGET = 0.10
SIZE_PAGES = ("invoice list", "support look-up", "measurement filter")
DATABASES = ("sqlite", "postgresql")


def _load(kind: str) -> dict[tuple[str, str], dict]:
    found = {}
    for path in sorted(RESULTS_DIR.glob(f"{kind}-*.json")):
        data = json.loads(path.read_text())
        found[(data["database"], data["size"])] = data
    return found


def _mark(ok: bool | None) -> str:
    return "—" if ok is None else ("yes" if ok else "**no**")


def _machine(data: dict) -> str:
    m = data.get("machine", {})
    return (
        f"{m.get('cpu', '?')}, {m.get('cores', '?')} cores, {m.get('memory_gb', '?')} GB RAM; "
        f"{m.get('platform', '?')}; Python {m.get('python', '?')}; SQLite {m.get('sqlite', '?')}; "
        f"{m.get('postgresql', '?')}; {m.get('wrk', '?')}"
    )


def load_section(load: dict, shortfalls: list[str]) -> list[str]:
    out = []
    for (database, size), data in sorted(
        load.items(), key=lambda item: (DATABASES.index(item[0][0]), list(SIZES).index(item[0][1]))
    ):
        ceiling = data["ceiling"]
        out += [
            f"### Load: {database}, size {size}",
            "",
            f"{data['started']}; gunicorn.conf.py with {data['workers']} sync workers; wrk {data['wrk_threads']} "
            f"threads, {data['connections']} connections, {data['duration']} s per page, on loopback, with a "
            "logged-in session cookie. Measurement export: 30 days (2,880 rows) per request; GSTAT upload: a "
            "6-row CSV posted as multipart by wrk itself (bench/wrk/report.lua).",
            "",
            "| page | requests/s | p50 ms | p99 ms | ceiling req/s just before | ratio to ceiling | ratio target | "
            f"p99 < {P99_TARGET_MS[database]} ms | peak MiB per worker | 4xx/5xx | load avg before |",
            "|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|",
            f"| bare Flask hello (ceiling) | {ceiling['rps']:.0f} | {ceiling['p50_ms']:.1f} | "
            f"{ceiling['p99_ms']:.1f} | | 1.00 | | | {ceiling['worker_peak_mib']:.0f} | {ceiling['errors_status']} | "
            f"{ceiling.get('load_before', '')} |",
        ]
        for name, page in data["pages"].items():
            reference = page.get("ceiling_rps") or ceiling["rps"]
            ratio = page["rps"] / reference if reference else 0
            target = RATIO_TARGETS.get(name) if database == "postgresql" else None
            ratio_ok = None if target is None else ratio >= target
            p99_limit = P99_TARGET_MS[database]
            checked = name in RATIO_TARGETS if database == "postgresql" else name not in WRITING_PAGES
            p99_ok = page["p99_ms"] < p99_limit if checked else None
            out.append(
                f"| {name} | {page['rps']:.1f} | {page['p50_ms']:.1f} | {page['p99_ms']:.1f} | {reference:.0f} | "
                f"{ratio:.3f} | "
                f"{f'≥ {target:.2f} ' + _mark(ratio_ok) if target is not None else ''} | {_mark(p99_ok)} | "
                f"{page['worker_peak_mib']:.0f} | {page['errors_status']} | {page.get('load_before', '')} |"
            )
            if page["errors_status"]:
                shortfalls.append(
                    f"{database}/{size}: {name} answered {page['errors_status']} requests with an "
                    f"error status under load."
                )
            if ratio_ok is False:
                shortfalls.append(f"{database}/{size}: {name} at {ratio:.1%} of the ceiling (target {target:.0%}).")
            if p99_ok is False:
                shortfalls.append(f"{database}/{size}: {name} p99 {page['p99_ms']:.0f} ms (target < {p99_limit} ms).")
        memory = data.get("memory")
        if memory:
            ok = memory["growth"] <= MEMORY_TARGET
            out += [
                "",
                f"One worker's resident memory (run of {memory.get('started', data['started'])}): "
                f"{memory['rss_first_mib']} MiB after {memory['first']:,} "
                f"requests, {memory['rss_total_mib']} MiB after {memory['total']:,} "
                f"({memory['growth']:+.1%}; target within 10%: {_mark(ok)}).",
            ]
            if not ok:
                shortfalls.append(
                    f"{database}/{size}: worker memory grew {memory['growth']:+.1%} between "
                    f"{memory['first']:,} and {memory['total']:,} requests."
                )
        out.append("")
    return out


def micro_section(micro: dict, shortfalls: list[str]) -> list[str]:
    out = []
    for database in DATABASES:
        sizes = [size for size in SIZES if (database, size) in micro]
        if not sizes:
            continue
        out += [
            f"### Micro-benchmarks: {database}",
            "",
            "In-process (Flask test client), median of repeated requests, SQL statements per request; each "
            "size measured in its own run (the alternating comparison above is the fairer one).",
            "",
            "| page | "
            + " | ".join(f"{size} ms (statements)" for size in sizes)
            + (f" | {sizes[-1]} / {sizes[0]} | target ≤ 1.3 |" if len(sizes) > 1 else " |"),
            "|---|" + "---:|" * len(sizes) + ("---:|---|" if len(sizes) > 1 else ""),
        ]
        pages = micro[(database, sizes[0])]["pages"]
        for name in pages:
            cells = []
            for size in sizes:
                page = micro[(database, size)]["pages"].get(name)
                cells.append(f"{page['median_ms']:.1f} ({page['statements']})" if page else "—")
            row = f"| {name} | " + " | ".join(cells) + " |"
            if len(sizes) > 1:
                first = micro[(database, sizes[0])]["pages"][name]["median_ms"]
                last = micro[(database, sizes[-1])]["pages"].get(name, {}).get("median_ms")
                ratio = last / first if last else None
                targeted = name in SIZE_PAGES
                ok = ratio <= SIZE_TARGET if (ratio and targeted) else None
                row += f" {ratio:.2f} | {_mark(ok)} |" if ratio else " — | — |"
                if ok is False and not (RESULTS_DIR / f"sizes-{database}.json").exists():
                    shortfalls.append(
                        f"{database}: {name} takes {ratio:.2f}× as long at {sizes[-1]} as at "
                        f"{sizes[0]} (target ≤ 1.3×)."
                    )
            out.append(row)
        scans = [
            (size, name, scan)
            for size in sizes
            for name, page in micro[(database, size)]["pages"].items()
            for scan in page.get("full_scans", [])
        ]
        out += [
            "",
            "Full scans of tables of 5,000 rows or more in the plans of these pages (EXPLAIN of the "
            "statements each page ran): " + ("none." if not scans else ""),
        ]
        out += [f"- {size}, {name}: {scan}" for size, name, scan in scans]
        for size, name, scan in scans:
            shortfalls.append(f"{database}/{size}: {name} reads a whole table: {scan}.")
        out += [
            "",
            "| size | CSV year: lines | seconds (target < 0.5) | peak Python KiB, year / month "
            "| GSTAT 10,000 rows: service s | executemany s | ratio (target ≥ 0.5) |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for size in sizes:
            data = micro[(database, size)]
            year, month, gstat = data["csv_year"], data["csv_month"], data.get("gstat", {})
            csv_ok = year["seconds"] < CSV_TARGET_S
            if not csv_ok:
                shortfalls.append(
                    f"{database}/{size}: CSV export of {year['lines'] - 1:,} rows takes "
                    f"{year['seconds']} s (target < 0.5 s)."
                )
            if "ratio" in gstat:
                gstat_ok = gstat["ratio"] >= GSTAT_TARGET
                gstat_cells = (
                    f"{gstat['service_seconds']} | {gstat['executemany_seconds']} | "
                    f"{gstat['ratio']:.2f} {_mark(gstat_ok)}"
                )
                if not gstat_ok:
                    shortfalls.append(
                        f"{database}/{size}: GSTAT upload stores {gstat['service_rows_per_s']:,} "
                        f"rows/s, {gstat['ratio']:.0%} of a plain executemany "
                        f"({gstat['executemany_rows_per_s']:,} rows/s; target ≥ 50%)."
                    )
            else:
                gstat_cells = f"failed: {gstat.get('error', 'not run')} | | "
            out.append(
                f"| {size} | {year['lines'] - 1:,} | {year['seconds']} {_mark(csv_ok)} | "
                f"{year['python_peak_kib']} / {month['python_peak_kib']} | {gstat_cells} |"
            )
        out.append("")
    return out


def sizes_section(shortfalls: list[str]) -> list[str]:
    out = []
    for database in DATABASES:
        path = RESULTS_DIR / f"sizes-{database}.json"
        if not path.exists():
            continue
        data = json.loads(path.read_text())
        small, large = data["small"], data["large"]
        out += [
            f"### Data size: {database}, {small} against {large}",
            "",
            f"{data['started']}; one process, requests alternating between the two databases "
            f"({data['repeat']} each), median ms.",
            "",
            f"| page | {small} ms | {large} ms | {large} / {small} | target ≤ 1.3 |",
            "|---|---:|---:|---:|---|",
        ]
        for name, page in data["pages"].items():
            targeted = any(name.startswith(target) for target in SIZE_PAGES) and "page 3" not in name
            ok = page["ratio"] <= SIZE_TARGET if targeted else None
            out.append(f"| {name} | {page['small_ms']} | {page['large_ms']} | {page['ratio']:.2f} | {_mark(ok)} |")
            if ok is False:
                shortfalls.append(
                    f"{database}: {name} takes {page['ratio']:.2f}× as long at {large} as at {small} "
                    "(target ≤ 1.3×; alternating requests)."
                )
        out.append("")
    return out


def floor_section(floor: dict, shortfalls: list[str]) -> list[str]:
    out = []
    for (database, size), data in sorted(floor.items()):
        out += [
            f"### Request floor in process: {database}, size {size}",
            "",
            f"{data['started']}; `python -m bench.floor --database {database}`: Flask's test client, best of five "
            "rounds; the ratio compares with the bare Flask hello of the same run (wall clock and this process's "
            f"CPU time; load average before: {data.get('load_before', '?')}).",
            "",
            "| request | best ms | median ms | CPU ms | ratio to hello (wall) | ratio (CPU) | target | met |",
            "|---|---:|---:|---:|---:|---:|---:|---|",
        ]
        hello = data["rows"][0]
        for row in data["rows"]:
            wall, cpu = hello["best_ms"] / row["best_ms"], hello["cpu_ms"] / row["cpu_ms"]
            target = FLOOR_TARGETS.get(row["name"])
            ok = None if target is None else max(wall, cpu) >= target
            out.append(
                f"| {row['name']} | {row['best_ms']:.2f} | {row['median_ms']:.2f} | {row['cpu_ms']:.2f} | "
                f"{wall:.1%} | {cpu:.1%} | {'' if target is None else f'≥ {target:.0%}'} | {_mark(ok)} |"
            )
            if ok is False:
                shortfalls.append(
                    f"{database}/{size} in process: {row['name']} at {max(wall, cpu):.1%} of hello "
                    f"(target {target:.0%})."
                )
        out.append("")
    return out


def write() -> Path:
    load, micro, floor = _load("load"), _load("micro"), _load("floor")
    shortfalls: list[str] = []
    any_result = next(iter(load.values()), None) or next(iter(micro.values()), None)
    lines = [
        "# Benchmark results",
        "",
        "Written by `python -m bench.report` (run by `make bench SIZE=...`) from bench/results/*.json; "
        "only what was measured is shown.",
        "",
    ]
    if any_result:
        lines += [f"Machine: {_machine(any_result)}.", ""]
    lines += floor_section(floor, shortfalls)
    lines += load_section(load, shortfalls)
    lines += sizes_section(shortfalls)
    lines += micro_section(micro, shortfalls)
    lines += ["## Targets missed", ""]
    lines += [f"- {item}" for item in shortfalls] or ["- none in the figures above."]
    lines.append("")
    findings = BENCH_DIR / "FINDINGS.md"
    if findings.exists():
        lines += [findings.read_text().rstrip(), ""]
    path = BENCH_DIR / "RESULTS.md"
    path.write_text("\n".join(lines))
    return path


def main() -> int:
    print(f"wrote {write()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
