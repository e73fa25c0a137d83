"""Load run: the portal under gunicorn (gunicorn.conf.py, 2 × cores + 1 sync workers) driven by wrk.

    python -m bench.load --size small --database sqlite

For each page, wrk (Debian's package, installed when missing) runs on loopback with a logged-in session
cookie; the bare Flask app of bench/hello.py runs under the same configuration as the ceiling, measured once
and again right before each page (the ratio uses that neighbouring figure: the machine may be shared). The GSTAT
upload is a multipart POST sent by wrk itself (bench/wrk/report.lua with a body file). Peak memory per
worker comes from /proc (VmHWM). The figures go to bench/results/load-<database>-<size>.json.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

from .common import (
    BENCH_DIR,
    OPERATOR_USER,
    PASSWORD,
    RESULTS_DIR,
    ROOT,
    SECRET_KEY,
    SIZES,
    SUPPORT_USER,
    database_urls,
    machine,
)
from .generate import last_ended_month, months_back, today_local, vat_number

CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "32"))
DURATION = int(os.environ.get("BENCH_DURATION", "10"))
THREADS = int(os.environ.get("BENCH_WRK_THREADS", "2"))
# Servers and wrk run at niceness BENCH_NICE (10) in all, whatever the niceness of the caller (make bench).
NICE = ["nice", "-n", str(max(0, int(os.environ.get("BENCH_NICE", "10")) - os.nice(0)))]
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
COOKIE_NAME = "myportal_session"


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    log("wrk is missing: installing Debian's package")
    prefix = [] if os.geteuid() == 0 else ["sudo"]
    subprocess.run([*prefix, "apt-get", "install", "-y", "wrk"], check=True)
    return shutil.which("wrk") or "wrk"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- gunicorn -------------------------------------------------------------------------------------------------


class Server:
    def __init__(self, app_path: str, env: dict, workers: int | None = None, log_path: Path | None = None):
        self.expected = workers or int(env.get("WEB_CONCURRENCY") or (os.cpu_count() or 1) * 2 + 1)
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        environment = {**os.environ, **env, "GUNICORN_BIND": f"127.0.0.1:{self.port}"}
        if workers:
            environment["WEB_CONCURRENCY"] = str(workers)
        self.log_path = log_path or Path(tempfile.mkstemp(prefix="bench-gunicorn-", suffix=".log")[1])
        self._log = open(self.log_path, "wb")  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen(
            [*NICE, sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), app_path],
            cwd=ROOT,
            env=environment,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def wait(self, path: str = "/", timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: see {self.log_path}")
            try:
                with urllib.request.urlopen(self.base + path, timeout=5) as response:  # noqa: S310
                    if response.status == 200 and len(self.workers()) >= self.expected:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.3)
        raise RuntimeError(f"gunicorn did not answer on {self.base}{path}: see {self.log_path}")

    def master_pid(self) -> int:
        """The gunicorn master: the child of ``nice`` (nice execs, so it is the same process)."""
        return self.process.pid

    def workers(self) -> list[int]:
        pid = self.master_pid()
        try:
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            return []
        return [int(child) for child in children]

    def memory(self) -> dict:
        """Per worker: peak (VmHWM) and current (VmRSS) resident memory in MiB."""
        figures = {}
        for pid in self.workers():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            values = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
            figures[pid] = {
                "peak_mib": int(values["VmHWM"].split()[0]) / 1024,
                "rss_mib": int(values["VmRSS"].split()[0]) / 1024,
            }
        return figures

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()


@contextmanager
def serve(app_path: str, env: dict, *, ready_path: str = "/", workers: int | None = None):
    server = Server(app_path, env, workers)
    try:
        server.wait(ready_path)
        yield server
    finally:
        server.stop()


def portal_env(url: str) -> dict:
    return {
        "DATABASE_URL": url,
        "MYPORTAL_ENV": "development",
        "SECRET_KEY": SECRET_KEY,
        "LOG_REQUESTS": os.environ.get("BENCH_LOG_REQUESTS", "1"),
        "GUNICORN_ERROR_LOG": "-",
        "PYTHONPATH": str(ROOT),
    }


# --- HTTP session ---------------------------------------------------------------------------------------------


class Browser:
    """Logs in over HTTP like a user and keeps the cookies."""

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect)

    def request(self, path: str, data: bytes | None = None, headers: dict | None = None) -> tuple[int, bytes]:
        request = urllib.request.Request(self.base + path, data=data, headers=headers or {})
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def csrf(self, path: str) -> str:
        status, body = self.request(path)
        found = CSRF_RE.search(body.decode("utf-8", "replace"))
        if status != 200 or not found:
            raise RuntimeError(f"no form on {path} (HTTP {status})")
        return found.group(1)

    def login(self, username: str, password: str = PASSWORD) -> None:
        token = self.csrf("/accedi")
        data = urllib.parse.urlencode({"csrf_token": token, "username": username, "password": password}).encode()
        status, body = self.request("/accedi", data, {"Content-Type": "application/x-www-form-urlencoded"})
        if status != 302:
            raise RuntimeError(f"log-in of {username} failed (HTTP {status})")

    @property
    def cookie(self) -> str:
        for cookie in self.jar:
            if cookie.name == COOKIE_NAME:
                return f"{COOKIE_NAME}={cookie.value}"
        raise RuntimeError("no session cookie")


def multipart(fields: dict, files: dict) -> tuple[bytes, str]:
    boundary = "----benchboundary7MA4YWxkTrZu0gW"
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, (filename, content) in files.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            f"Content-Type: text/csv\r\n\r\n".encode()
            + content
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def gstat_upload_csv() -> bytes:
    """The bench operator's two first plants, three months in draft: the upload updates the drafts."""
    from myportal.gstat.upload import CSV_HEADER

    year, month = last_ended_month(today_local())
    lines = [";".join(CSV_HEADER)]
    for plant in (1, 2):
        for y, m in months_back(year, month, 3):
            lines.append(f"UP_BENCH_{plant:07d};{y};{m};1200,5;1150,25;50,25;0;;")
    return ("\n".join(lines) + "\n").encode()


# --- wrk ---------------------------------------------------------------------------------------------------


def wrk(
    url: str,
    cookie: str | None = None,
    *,
    duration: int = DURATION,
    body: Path | None = None,
    content_type: str | None = None,
) -> dict:
    command = [
        *NICE,
        ensure_wrk(),
        f"-t{THREADS}",
        f"-c{CONNECTIONS}",
        f"-d{duration}s",
        "--latency",
        "--timeout",
        "10s",
        "-s",
        str(BENCH_DIR / "wrk" / "report.lua"),
    ]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    env = {**os.environ}
    if body is not None:
        env.update(WRK_METHOD="POST", WRK_BODY_FILE=str(body), WRK_CONTENT_TYPE=content_type or "")
    out = subprocess.run(command + [url], capture_output=True, text=True, env=env, check=True).stdout
    for line in out.splitlines():
        if line.startswith("WRK_JSON "):
            return json.loads(line[len("WRK_JSON ") :])
    raise RuntimeError(f"no figures from wrk:\n{out}")


def load_average() -> float:
    try:
        return float(Path("/proc/loadavg").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return -1.0


def measure(name: str, server: Server, path: str, cookie: str | None, **kwargs) -> dict:
    before = server.memory()
    load_before = load_average()
    figures = wrk(server.base + path, cookie, **kwargs)
    after = server.memory()
    figures.update(
        name=name,
        path=path,
        worker_peak_mib=round(max((m["peak_mib"] for m in after.values()), default=0), 1),
        worker_rss_mib=round(max((m["rss_mib"] for m in after.values()), default=0), 1),
        workers=len(after),
        restarted_workers=len(set(before) - set(after)),
        load_before=load_before,
    )
    log(
        f"  {name:<22} {figures['rps']:8.1f} req/s  p50 {figures['p50_ms']:7.1f} ms  p99 "
        f"{figures['p99_ms']:7.1f} ms  non-2xx/3xx {figures['errors_status']}  peak/worker "
        f"{figures['worker_peak_mib']} MiB  (load average before: {load_before})"
    )
    return figures


def paired(name: str, server: Server, path: str, cookie: str | None, hello: Server, **kwargs) -> dict:
    """The ceiling measured right before the page, so that both see the same load from other processes
    (the machine is shared): the page's ratio uses this neighbouring ceiling."""
    ceiling_figures = wrk(hello.base + "/", duration=max(3, kwargs.get("duration", DURATION) // 2))
    figures = measure(name, server, path, cookie, **kwargs)
    figures["ceiling_rps"] = ceiling_figures["rps"]
    figures["ceiling_p99_ms"] = ceiling_figures["p99_ms"]
    return figures


def portal_pages(url: str, size: str) -> dict[str, str]:
    today = today_local()
    month_ago = today - timedelta(days=30)
    other_vat = vat_number(max(2, SIZES[size].operators // 2))
    return {
        "home": "/",
        "invoice list": "/fatture",
        "invoice PDF": "/fatture/1/pdf",
        "measurement filter": "/misure",
        "measurement export": f"/misure/csv?date_from={month_ago.isoformat()}&date_to={today.isoformat()}",
        "support VAT look-up": f"/assistenza/?q={other_vat}",
        "GSTAT upload": "/gstat/carica",
    }


def run_portal(url: str, size: str, duration: int, hello: Server) -> dict:
    pages = portal_pages(url, size)
    results = {}
    with serve("bench.wsgi_portal:app", portal_env(url), ready_path="/healthz") as server:
        operator = Browser(server.base)
        operator.login(OPERATOR_USER)
        token = operator.csrf("/gstat/carica")  # the session now holds the CSRF secret: take the cookie after
        body, content_type = multipart({"csrf_token": token}, {"file": ("bench.csv", gstat_upload_csv())})
        status, page = operator.request("/gstat/carica", body, {"Content-Type": content_type})
        if status != 302:
            raise RuntimeError(f"GSTAT upload answered {status}: {page[:2000]!r}")
        support = Browser(server.base)
        support.login(SUPPORT_USER)
        for name, path in pages.items():
            who = support if name.startswith("support") else operator
            status, _ = who.request(path)
            if status != 200 and name != "GSTAT upload":
                raise RuntimeError(f"{name}: {path} answered {status}")
        body_path = Path(tempfile.mkstemp(prefix="bench-upload-", suffix=".multipart")[1])
        body_path.write_bytes(body)
        wrk(server.base + "/", operator.cookie, duration=2)  # warm-up: every worker imports and connects
        for name, path in pages.items():
            who = support if name.startswith("support") else operator
            kwargs = {"duration": duration}
            if name == "GSTAT upload":
                kwargs.update(body=body_path, content_type=content_type)
            results[name] = paired(name, server, path, who.cookie, hello, **kwargs)
        results["healthz"] = paired("healthz", server, "/healthz", None, hello, duration=max(3, duration // 2))
        body_path.unlink(missing_ok=True)
    return results


def memory_growth(url: str, first: int = 1000, total: int = 10_000, clients: int = 4) -> dict:
    """One worker: resident memory after ``first`` and after ``total`` requests over a mix of pages."""
    paths = ["/", "/fatture", "/misure", "/fatture/1/pdf", "/fatture?page=2"]
    with serve(
        "bench.wsgi_portal:app", {**portal_env(url), "LOG_REQUESTS": "0"}, ready_path="/healthz", workers=1
    ) as server:
        browser = Browser(server.base)
        browser.login(OPERATOR_USER)
        cookie = browser.cookie
        counter = {"sent": 0}
        lock = threading.Lock()

        def worker(limit: int):
            opener = urllib.request.build_opener()
            while True:
                with lock:
                    if counter["sent"] >= limit:
                        return
                    counter["sent"] += 1
                    number = counter["sent"]
                request = urllib.request.Request(server.base + paths[number % len(paths)], headers={"Cookie": cookie})
                with opener.open(request, timeout=60) as response:
                    response.read()

        def run_until(limit: int) -> float:
            threads = [threading.Thread(target=worker, args=(limit,)) for _ in range(clients)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            [figures] = server.memory().values()
            return figures["rss_mib"]

        started = time.perf_counter()
        after_first = run_until(first)
        after_total = run_until(total)
        seconds = time.perf_counter() - started
    growth = (after_total - after_first) / after_first
    log(
        f"  worker memory: {after_first:.1f} MiB after {first:,}, {after_total:.1f} MiB after {total:,} "
        f"requests ({growth:+.1%})"
    )
    return {
        "first": first,
        "total": total,
        "rss_first_mib": round(after_first, 1),
        "rss_total_mib": round(after_total, 1),
        "growth": round(growth, 4),
        "seconds": round(seconds, 1),
    }


def run(size: str, database: str, url: str, duration: int = DURATION, memory_requests: int = 10_000) -> dict:
    log(f"load run: {database}, size {size}, {CONNECTIONS} connections, {duration} s per page")
    result = {
        "size": size,
        "database": database,
        "connections": CONNECTIONS,
        "duration": duration,
        "wrk_threads": THREADS,
        "machine": machine(),
        "workers": (os.cpu_count() or 1) * 2 + 1,
        "started": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
    }
    with serve("bench.hello:app", {"PYTHONPATH": str(ROOT)}) as hello:
        wrk(hello.base + "/", duration=2)
        result["ceiling"] = measure("hello (ceiling)", hello, "/", None, duration=duration)
        result["pages"] = run_portal(url, size, duration, hello)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"load-{database}-{size}.json"
    if memory_requests:
        result["memory"] = memory_growth(url, first=memory_requests // 10, total=memory_requests)
        result["memory"]["started"] = result["started"]
    elif path.exists() and "memory" in (previous := json.loads(path.read_text())):
        # Not measured this time: keep the last figure, with the time of the run that measured it.
        result["memory"] = {"started": previous["started"], **previous["memory"]}
    path.write_text(json.dumps(result, indent=2))
    log(f"wrote {path}")
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="small")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--url")
    parser.add_argument("--duration", type=int, default=DURATION)
    parser.add_argument("--memory-requests", type=int, default=10_000, help="0 to skip the memory run")
    parser.add_argument("--memory-only", action="store_true", help="only the memory run, added to the last result")
    args = parser.parse_args(argv)
    url = args.url or database_urls(args.size, args.database)[args.database]
    if args.memory_only:
        path = RESULTS_DIR / f"load-{args.database}-{args.size}.json"
        result = json.loads(path.read_text())
        started = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
        result["memory"] = {"started": started, **memory_growth(url, args.memory_requests // 10, args.memory_requests)}
        path.write_text(json.dumps(result, indent=2))
        return 0
    run(args.size, args.database, url, args.duration, args.memory_requests)
    return 0


if __name__ == "__main__":
    sys.exit(main())
