#!/usr/bin/env python3
"""Benchmarks runner-node and writes docs/benchmarks.md (run through scripts/bench.sh).

Every figure is the median over --rounds repetitions of the whole measurement, with the
minimum and maximum shown; ratios are computed from the medians of the same run. Native
baselines (Debian's /usr/bin/python3) are measured in the same run on the same machine.
"""

import argparse
import datetime
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

NATIVE_PYTHON = "/usr/bin/python3"
FIB = """import time
def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)
t = time.perf_counter()
fib(27)
print(time.perf_counter() - t)"""
HELLO = "print('hi')"


def wrk_script(code):
    """A wrk Lua script that POSTs `code` as a run (a Lua long string holds the JSON as is)."""
    return ('wrk.method = "POST"\n'
            f"wrk.body = [==[{json.dumps({'code': code})}]==]\n"
            'wrk.headers["Content-Type"] = "application/json"\n')


WRK_SCRIPT = wrk_script(HELLO)


def log(message):
    print(f"==> {message}", file=sys.stderr, flush=True)


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def in_process(bench_bin, python_dir=None):
    env = dict(os.environ, **({"RUNNER_PYTHON_DIR": python_dir} if python_dir else {}))
    out = subprocess.run([bench_bin], check=True, capture_output=True, text=True, env=env).stdout
    data = json.loads(out)
    result = {}
    for name in ("ready_us", "pass_us", "hello_us", "no_snapshot_hello_us"):
        result[f"{name}_p50"] = percentile(data[name], 50)
        result[f"{name}_p99"] = percentile(data[name], 99)
    for name in ("fib27_s", "pss_per_sandbox_bytes", "snapshot_memory_bytes"):
        result[name] = data[name]
    result["concurrent_sandboxes"] = data["concurrent_sandboxes"]
    return result


def hyperfine_median(command):
    with tempfile.NamedTemporaryFile(suffix=".json") as export:
        subprocess.run(
            ["hyperfine", "-N", "--warmup", "10", "--runs", "100", "--style", "none",
             "--export-json", export.name, command],
            check=True, capture_output=True)
        return json.load(open(export.name))["results"][0]["median"] * 1e6  # microseconds


def native():
    fib = float(subprocess.run([NATIVE_PYTHON, "-c", FIB], check=True, capture_output=True,
                               text=True).stdout)
    return {
        "native_pass_us": hyperfine_median(f"{NATIVE_PYTHON} -I -S -c pass"),
        "native_hello_us": hyperfine_median(f"{NATIVE_PYTHON} -I -S -c \"print('hi')\""),
        "native_fib27_s": fib,
    }


def rss_bytes(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


def wrk(url, script, threads, connections, seconds):
    """p50 and p99 latency (µs) and requests/s; `script` (a Lua file) makes the request, else
    a GET."""
    lua = ["-s", script] if script else []
    out = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", *lua, url],
        check=True, capture_output=True, text=True).stdout
    if "Non-2xx" in out:
        raise RuntimeError(f"wrk saw refused requests:\n{out}")

    def latency_us(label):
        match = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        value, unit = float(match.group(1)), match.group(2)
        return value * {"us": 1, "ms": 1e3, "s": 1e6}[unit]

    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    return latency_us("50"), latency_us("99"), rate


class Server:
    """runner-node on a loopback port, started with `flags`; `ready_ms` is start to listening."""

    def __init__(self, server_bin, python_dir, extra_env=None, flags=()):
        env = dict(os.environ, RUNNER_PYTHON_DIR=python_dir, RUST_LOG="info", **(extra_env or {}))
        # Logs go to a file, as a collector would take them: a pipe nobody reads would block
        # the server once full.
        self.logs = tempfile.NamedTemporaryFile("w+", suffix=".log")
        started = time.perf_counter()
        self.process = subprocess.Popen(
            [server_bin, "--host", "127.0.0.1", "--port", "0", "--log-format", "json", *flags],
            env=env, stdout=self.logs, text=True)
        addr = None
        with open(self.logs.name) as reader:
            while addr is None:
                line = reader.readline()
                if not line:
                    if self.process.poll() is not None:
                        self.logs.seek(0)
                        raise RuntimeError(f"runner-node exited before listening:\n{self.logs.read()[-3000:]}")
                    time.sleep(0.001)
                    continue
                entry = json.loads(line)
                if entry["fields"].get("message") == "runner-node listening":
                    self.ready_ms = (time.perf_counter() - started) * 1e3
                    addr = entry["fields"]["addr"]
                    admin = entry["fields"].get("admin")
                    self.admin_port = admin and int(admin.rsplit(":", 1)[1])
        self.base = f"http://{addr}"
        self.url = f"{self.base}/run"

    def run(self, code, **fields):
        request = urllib.request.Request(self.url, data=json.dumps({"code": code, **fields}).encode(),
                                         headers={"Content-Type": "application/json"})
        return json.load(urllib.request.urlopen(request))

    def get(self, path):
        return json.load(urllib.request.urlopen(f"{self.base}{path}"))

    def __enter__(self):
        return self

    def __exit__(self, *_):
        self.process.terminate()
        self.process.wait(timeout=60)
        self.logs.close()


def http(server_bin, python_dir, script, extra_env=None, throughput=True, flags=()):
    with Server(server_bin, python_dir, extra_env, flags) as server:
        server.run(HELLO)
        idle_rss = rss_bytes(server.process.pid)
        p50, p99, _ = wrk(server.url, script, threads=1, connections=1, seconds=5)
        if not throughput:
            return {"http_hello_us_p50": p50, "http_hello_us_p99": p99}
        _, _, rate = wrk(server.url, script, threads=2, connections=32, seconds=10)
        return {"server_ready_ms": server.ready_ms, "idle_rss_bytes": idle_rss,
                "http_hello_us_p50": p50, "http_hello_us_p99": p99, "http_hello_rps": rate}


def folder_bytes(path):
    return sum(f.stat().st_size for f in __import__("pathlib").Path(path).rglob("*") if f.is_file())


def packages_cost(args, hello_script):
    """--packages DIR: what a pool's packages cost. Per round: a server without packages, then
    one with them and an empty module cache (the cold start: check, copy, compile in the guest,
    snapshot with the pre-imports, compile the snapshot), then the same again with that cache
    (the warm start every later pod start pays). Hello and a run importing every pre-import are
    timed on the warm one; rounds interleave so drift hits all alike."""
    preimport = args.preimport.split(",")
    imports = "import " + ", ".join(preimport) + "\nprint('hi')"
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(wrk_script(imports))
    rows_plain, rows_base, rows = [], [], []
    try:
        for i in range(args.rounds):
            if args.baseline_bin:
                log(f"round {i + 1}/{args.rounds}: the build of {args.baseline_rev}")
                rows_base.append(http(args.baseline_bin, args.python_dir, hello_script))
            log(f"round {i + 1}/{args.rounds}: no packages")
            rows_plain.append(http(args.server_bin, args.python_dir, hello_script))
            cache = tempfile.mkdtemp(prefix="bench-cache-")
            flags = ("--site-packages", args.packages, "--preimport", args.preimport,
                     "--memory-mb", str(args.memory_mb), "--module-cache", cache)
            log(f"round {i + 1}/{args.rounds}: packages, cold module cache")
            with Server(args.server_bin, args.python_dir, flags=flags) as cold:
                row = {"cold_ready_ms": cold.ready_ms}
            log(f"round {i + 1}/{args.rounds}: packages, warm module cache")
            with Server(args.server_bin, args.python_dir, flags=flags) as warm:
                row["warm_ready_ms"] = warm.ready_ms
                row["floor_mb"] = warm.get("/v1/environment")["memory_floor_mb"]
                answer = warm.run(imports)
                if answer.get("stdout") != "hi\n":
                    raise RuntimeError(f"the import run failed: {answer}")
                row["hello_us_p50"], _, _ = wrk(warm.url, hello_script, 1, 1, 5)
                row["import_us_p50"], _, _ = wrk(warm.url, script.name, 1, 1, 5)
            subprocess.run(["rm", "-rf", cache], check=True)
            rows.append(row)
    finally:
        os.unlink(script.name)
    ms = 1e-3
    m = {key: summary(rows, key)[0] for key in rows[0]}
    ratio = m["import_us_p50"] / m["hello_us_p50"]
    size = folder_bytes(args.packages) / (1 << 20)
    lines = [
        "## Packages cost (`bash scripts/bench.sh --packages`)",
        "",
        f"A package folder of {size:.1f} MiB (scripts/requirements-bench-packages.txt: "
        f"{len(os.listdir(args.packages))} entries), `--preimport {args.preimport}`, "
        f"`--memory-mb {args.memory_mb}`; {args.rounds} rounds, interleaved; "
        f"{datetime.date.today()}, load average {os.getloadavg()[0]:.1f} after.",
        "",
        "| what | value |",
        "|---|---|",
        *(
            [f"| hello p50, one client: the build of `{args.baseline_rev}` (before packages and files) | "
             f"{fmt(rows_base, 'http_hello_us_p50', ms, 3, ' ms')} |",
             f"| hello runs/s, 32 connections: the build of `{args.baseline_rev}` | "
             f"{fmt(rows_base, 'http_hello_rps', 1, 0, '/s')} |"]
            if rows_base else []
        ),
        f"| hello p50, one client: no packages | {fmt(rows_plain, 'http_hello_us_p50', ms, 3, ' ms')} |",
        f"| hello runs/s, 32 connections: no packages | {fmt(rows_plain, 'http_hello_rps', 1, 0, '/s')} |",
        f"| hello p50, one client: with the packages | {fmt(rows, 'hello_us_p50', ms, 3, ' ms')} |",
        f"| `{imports.splitlines()[0]}` p50, one client | {fmt(rows, 'import_us_p50', ms, 3, ' ms')} "
        f"({ratio:.2f}× hello; target ≤ 1.10×: {'met' if ratio <= 1.1 else '**missed**'}) |",
        f"| server start, empty module cache (check, copy, compile, snapshot, compile the snapshot) | "
        f"{fmt(rows, 'cold_ready_ms', 1e-3, 1, ' s')} |",
        f"| server start, warm module cache (target ≤ 150 ms: "
        f"{'met' if m['warm_ready_ms'] <= 150 else '**missed**'}) | {fmt(rows, 'warm_ready_ms', 1, 0, ' ms')} |",
        f"| snapshot heap with the pre-imports (the floor under `memory_mb`) | {fmt(rows, 'floor_mb', 1, 0, ' MiB')} |",
        "",
    ]
    return "\n".join(lines)


class OtlpSink:
    """A loopback OTLP/HTTP endpoint that accepts every trace export and counts its bytes: the
    collector's side costs nothing, so the numbers are the runner's own."""

    def __init__(self):
        import http.server
        import threading

        sink = self
        self.exports = self.bytes = 0

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                sink.bytes += len(self.rfile.read(int(self.headers["Content-Length"] or 0)))
                sink.exports += 1
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.endpoint = f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self):
        self.server.shutdown()


def tracing_cost(args, script):
    """--tracing: one-client hello latency over HTTP with traces off, and on (every run traced,
    exported to a loopback sink), rounds interleaved so drift hits both alike."""
    sink = OtlpSink()
    traced = {"OTEL_EXPORTER_OTLP_ENDPOINT": sink.endpoint}
    off, on, base = [], [], []
    try:
        for i in range(args.rounds):
            if args.baseline_bin:
                log(f"round {i + 1}/{args.rounds}: the build of {args.baseline_rev}")
                base.append(http(args.baseline_bin, args.python_dir, script, throughput=False))
            log(f"round {i + 1}/{args.rounds}: traces off")
            off.append(http(args.server_bin, args.python_dir, script, throughput=False))
            log(f"round {i + 1}/{args.rounds}: traces on")
            on.append(http(args.server_bin, args.python_dir, script, traced, throughput=False))
    finally:
        sink.close()
    ms = 1e-3
    rows = [
        "## Tracing cost (`bash scripts/bench.sh --tracing`)",
        "",
        f"`POST /run` hello, one client (wrk, 5 s per round), {args.rounds} rounds of each, "
        f"interleaved; {datetime.date.today()}, load average {os.getloadavg()[0]:.1f} after. "
        "Traces on: `OTEL_EXPORTER_OTLP_ENDPOINT` set, every run sampled and exported to a "
        f"loopback sink ({sink.exports} exports, {sink.bytes / 1024:.0f} KiB in all).",
        "",
        "| traces | p50 | p99 |",
        "|---|---|---|",
        *(
            [f"| none: the build of `{args.baseline_rev}` (before tracing) | "
             f"{fmt(base, 'http_hello_us_p50', ms, 3, ' ms')} | "
             f"{fmt(base, 'http_hello_us_p99', ms, 3, ' ms')} |"]
            if base else []
        ),
        f"| off (the default) | {fmt(off, 'http_hello_us_p50', ms, 3, ' ms')} | "
        f"{fmt(off, 'http_hello_us_p99', ms, 3, ' ms')} |",
        f"| on | {fmt(on, 'http_hello_us_p50', ms, 3, ' ms')} | "
        f"{fmt(on, 'http_hello_us_p99', ms, 3, ' ms')} |",
        "",
    ]
    return "\n".join(rows)


CORPUS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bench-corpus")
SPIN_MS = 30_000
FIB22 = "def fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\nprint(fib(22))"


class Spinners:
    """`count` runs of `while True: pass`, each on a connection of its own, running until closed
    (closing the connection cancels the run)."""

    def __init__(self, server, count):
        import socket
        from urllib.parse import urlsplit

        body = json.dumps({"code": "while True: pass", "timeout_ms": SPIN_MS}).encode()
        host, port = urlsplit(server.base).hostname, urlsplit(server.base).port
        self.sockets = []
        for _ in range(count):
            sock = socket.create_connection((host, port))
            sock.sendall(b"POST /run HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n"
                         + f"content-length: {len(body)}\r\n\r\n".encode() + body)
            self.sockets.append(sock)
        wanted = f"runner_runs_in_flight {count}"
        deadline = time.monotonic() + 10
        while wanted not in metrics_text(server):
            if time.monotonic() > deadline:
                raise RuntimeError(f"the {count} spinning runs did not all start")
            time.sleep(0.02)

    def __enter__(self):
        return self

    def __exit__(self, *_):
        for sock in self.sockets:
            sock.close()


def metrics_text(server):
    return urllib.request.urlopen(f"http://127.0.0.1:{server.admin_port}/metrics").read().decode()


def corpus():
    """The corpus programs (scripts/bench-corpus), each printing `ok` when its asserts pass."""
    names = sorted(n for n in os.listdir(CORPUS_DIR) if n.endswith(".py"))
    return [(n, open(os.path.join(CORPUS_DIR, n)).read()) for n in names]


def programs_per_second(programs, run_one, workers=8):
    """Runs every program once through `run_one` (which returns its stdout) with `workers`
    concurrent clients; checks each printed `ok`."""
    from concurrent.futures import ThreadPoolExecutor

    started = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        outputs = list(pool.map(lambda program: run_one(program[1]), programs))
    took = time.perf_counter() - started
    failed = [name for (name, _), out in zip(programs, outputs) if out != "ok\n"]
    if failed:
        raise RuntimeError(f"corpus programs failed: {failed}")
    return len(programs) / took


def native_corpus_rate(programs):
    def run_one(code):
        return subprocess.run([NATIVE_PYTHON, "-c", code], capture_output=True, text=True).stdout
    return programs_per_second(programs, run_one)


def fairness_round(server_bin, python_dir, hello_script, fib_script, threads_flag):
    """One server: hello and /health idle, then with as many spinning runs as it has worker
    threads; hello runs/s; CPU-bound (fib(22)) runs/s; the corpus with 8 clients."""
    flags = ("--admin-port", "0") + (("--worker-threads", threads_flag) if threads_flag else ())
    row = {}
    with Server(server_bin, python_dir, flags=flags) as server:
        server.run(HELLO)
        spinners = int(threads_flag) if threads_flag else os.cpu_count()
        health = f"{server.base}/health"
        row["idle_hello_p50"], row["idle_hello_p99"], _ = wrk(server.url, hello_script, 1, 1, 5)
        _, row["idle_health_p99"], _ = wrk(health, None, 1, 1, 5)
        with Spinners(server, spinners):
            row["busy_hello_p50"], row["busy_hello_p99"], _ = wrk(server.url, hello_script, 1, 1, 5)
            _, row["busy_health_p99"], _ = wrk(health, None, 1, 1, 5)
        time.sleep(0.5)  # the spinners' slots free within a tick
        _, _, row["hello_rps"] = wrk(server.url, hello_script, 2, 32, 10)
        _, _, row["fib_rps"] = wrk(server.url, fib_script, 2, 8, 10)

        def run_one(code):
            return server.run(code, timeout_ms=SPIN_MS).get("stdout")
        row["corpus_rate"] = programs_per_second(corpus(), run_one)
    return row


def fairness_cost(args, hello_script):
    """--fairness: how one tenant's CPU-bound runs affect everyone else, at --worker-threads 1
    (the operator's default pool) and at the binary's default; throughput of hello, fib and the
    corpus; with --baseline, the same for an older build. Rounds interleave."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(wrk_script(FIB22))
    fib_script = script.name
    programs = corpus()
    builds = [("this build", args.server_bin)]
    if args.baseline_bin:
        builds.append((f"`{args.baseline_rev}`", args.baseline_bin))
    settings = [("1", "`--worker-threads 1` (the operator's default pool)"),
                (None, f"the binary's defaults ({os.cpu_count()} worker threads)")]
    rows = {(b, t): [] for b, _ in builds for t, _ in settings}
    native_rates = []
    try:
        for i in range(args.rounds):
            for build, binary in builds:
                for threads, _ in settings:
                    log(f"round {i + 1}/{args.rounds}: {build}, worker threads {threads or 'default'}")
                    rows[(build, threads)].append(
                        fairness_round(binary, args.python_dir, hello_script, fib_script, threads))
            log(f"round {i + 1}/{args.rounds}: the corpus as native subprocesses")
            native_rates.append({"rate": native_corpus_rate(programs)})
    finally:
        os.unlink(fib_script)
    ms = 1e-3
    lines = [
        "## Fairness (`bash scripts/bench.sh --fairness`)",
        "",
        f"{args.rounds} rounds, interleaved; {datetime.date.today()}, load average "
        f"{os.getloadavg()[0]:.1f} after. Busy: as many `while True: pass` runs as the server has "
        "worker threads run the whole time (the first column's figures are idle). Hello and "
        "`/health` from one client (wrk, 5 s each); runs/s from wrk with 2 threads × 32 "
        "connections (hello) and × 8 (`fib(22)`), 10 s each; the corpus is "
        f"{len(programs)} evaluation-style programs (scripts/bench-corpus) sent once each by 8 "
        "concurrent clients.",
        "",
    ]
    for threads, title in settings:
        lines += [f"### {title}", "",
                  "| what | " + " | ".join(b for b, _ in builds) + " |",
                  "|---|" + "---|" * len(builds)]

        def row(label, key, scale, digits, unit):
            cells = [fmt(rows[(b, threads)], key, scale, digits, unit) for b, _ in builds]
            lines.append(f"| {label} | " + " | ".join(cells) + " |")

        def ratio_row(label, num, den, bound):
            cells = []
            for b, _ in builds:
                r = summary(rows[(b, threads)], num)[0] / summary(rows[(b, threads)], den)[0]
                cells.append(f"{r:.1f}× ({'met' if r <= bound else '**missed**'})")
            lines.append(f"| {label} (target ≤ {bound}×) | " + " | ".join(cells) + " |")

        row("hello p50, idle", "idle_hello_p50", ms, 3, " ms")
        row("hello p50, busy", "busy_hello_p50", ms, 3, " ms")
        ratio_row("hello p50 busy / idle", "busy_hello_p50", "idle_hello_p50", 2)
        row("hello p99, idle", "idle_hello_p99", ms, 3, " ms")
        row("hello p99, busy", "busy_hello_p99", ms, 3, " ms")
        ratio_row("hello p99 busy / idle", "busy_hello_p99", "idle_hello_p99", 5)
        row("`/health` p99, idle", "idle_health_p99", ms, 3, " ms")
        row("`/health` p99, busy (target ≤ 20 ms)", "busy_health_p99", ms, 3, " ms")
        row("hello runs/s (target ≥ 2,000)", "hello_rps", 1, 0, "/s")
        row("`fib(22)` runs/s", "fib_rps", 1, 0, "/s")
        row("corpus programs/s", "corpus_rate", 1, 0, "/s")
        lines.append("")
    native = summary(native_rates, "rate")[0]
    lines += [
        f"The same corpus as `python3 -c` subprocesses with 8 concurrent workers (Debian's "
        f"Python 3.11): {fmt(native_rates, 'rate', 1, 0, ' programs/s')}; this build, default "
        f"threads, is {summary(rows[('this build', None)], 'corpus_rate')[0] / native:.1f}× that "
        "(aim ≥ 5×).",
        "",
    ]
    return "\n".join(lines)


# The same program in the guest and natively: the median of a few repetitions of each operation,
# timed inside the interpreter, so neither side pays for starting or for building the data.
SCIENTIFIC_PROGRAM = """import json, time
import numpy as np, pandas as pd
rng = np.random.default_rng(0)
n = 1_000_000
df = pd.DataFrame({"k": rng.integers(0, 1000, n), "v": rng.random(n)})
a, b = rng.random((500, 500)), rng.random((500, 500))
def median_s(f, reps):
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return sorted(times)[reps // 2]
print(json.dumps({"groupby_s": median_s(lambda: df.groupby("k")["v"].mean(), 5),
                  "matmul_s": median_s(lambda: a @ b, 3)}))"""


def scientific_cost(args, hello_script):
    """--scientific DIR: the scientific runtime. Per round: the in-process bench on it (ready,
    hello, PSS per concurrent sandbox, the snapshot's heap), a server on it with a warm module
    cache (start, hello over HTTP, runs/s), and SCIENTIFIC_PROGRAM in the guest and natively
    (PyPI's numpy and pandas of the same versions, OpenBLAS on one thread)."""
    rows = []
    log("warming the module cache (snapshot and compile, once)")
    with Server(args.server_bin, args.scientific):
        pass
    for i in range(args.rounds):
        log(f"round {i + 1}/{args.rounds}: in-process")
        row = in_process(args.bench_bin, args.scientific)
        log(f"round {i + 1}/{args.rounds}: HTTP")
        with Server(args.server_bin, args.scientific) as server:
            row["server_ready_ms"] = server.ready_ms
            row["floor_mb"] = server.get("/v1/environment")["memory_floor_mb"]
            row["http_hello_us_p50"], row["http_hello_us_p99"], _ = wrk(server.url, hello_script, 1, 1, 5)
            _, _, row["http_hello_rps"] = wrk(server.url, hello_script, 2, 32, 10)
            log(f"round {i + 1}/{args.rounds}: pandas and numpy, guest")
            answer = server.run(SCIENTIFIC_PROGRAM, timeout_ms=60_000)
            if answer.get("exit_code") != 0:
                raise RuntimeError(f"the scientific program failed in the guest: {answer}")
            guest = json.loads(answer["stdout"])
        log(f"round {i + 1}/{args.rounds}: pandas and numpy, native")
        native_out = subprocess.run(
            [args.native_python, "-c", SCIENTIFIC_PROGRAM], check=True, capture_output=True,
            text=True, env=dict(os.environ, OPENBLAS_NUM_THREADS="1")).stdout
        native_run = json.loads(native_out)
        for key in ("groupby_s", "matmul_s"):
            row[f"guest_{key}"], row[f"native_{key}"] = guest[key], native_run[key]
            row[f"{key}_ratio"] = guest[key] / native_run[key]
        rows.append(row)
    m = {key: summary(rows, key)[0] for key in rows[0]}
    ms, mib = 1e-3, 1 / (1 << 20)

    def target(ok):
        return "met" if ok else "**missed**"

    lines = [
        "## Scientific runtime (`bash scripts/bench.sh --scientific`)",
        "",
        f"The scientific build (numpy and pandas built in and pre-imported); {args.rounds} rounds; "
        f"{datetime.date.today()}, load average {os.getloadavg()[0]:.1f} after. The pandas and "
        "numpy rows run the same program in the guest (`POST /run`) and with PyPI's wheels of the "
        "same versions on this machine's Python 3.11 (OpenBLAS on one thread), each operation "
        "timed inside the interpreter (median of 5, matrix product of 3).",
        "",
        "| what | value | target |",
        "|---|---|---|",
        f"| hello p50 over HTTP, one client | {fmt(rows, 'http_hello_us_p50', ms, 3, ' ms')} | "
        f"≤ 2 ms: {target(m['http_hello_us_p50'] <= 2000)} |",
        f"| hello p99 over HTTP, one client | {fmt(rows, 'http_hello_us_p99', ms, 3, ' ms')} | |",
        f"| hello runs/s, 32 connections | {fmt(rows, 'http_hello_rps', 1, 0, '/s')} | |",
        f"| hello in process, p50 | {fmt(rows, 'hello_us_p50', ms, 3, ' ms')} | |",
        f"| pandas `groupby('k')['v'].mean()`, 1,000,000 rows, 1,000 keys: guest | "
        f"{fmt(rows, 'guest_groupby_s', 1e3, 1, ' ms')} | |",
        f"| the same, native | {fmt(rows, 'native_groupby_s', 1e3, 1, ' ms')} | |",
        f"| guest / native | {fmt(rows, 'groupby_s_ratio', 1, 2, '×')} | "
        f"≤ 3×: {target(m['groupby_s_ratio'] <= 3)} |",
        f"| numpy 500×500 `a @ b` (float64): guest, no BLAS | {fmt(rows, 'guest_matmul_s', 1e3, 1, ' ms')} | |",
        f"| the same, native (OpenBLAS, one thread) | {fmt(rows, 'native_matmul_s', 1e3, 2, ' ms')} | |",
        f"| guest / native | {fmt(rows, 'matmul_s_ratio', 1, 0, '×')} | reported |",
        f"| extra PSS per concurrent sandbox ({rows[0]['concurrent_sandboxes']} sleeping runs) | "
        f"{fmt(rows, 'pss_per_sandbox_bytes', mib, 2, ' MiB')} | ≤ 8 MiB: "
        f"{target(m['pss_per_sandbox_bytes'] * mib <= 8)} |",
        f"| server start to listening, warm module cache | {fmt(rows, 'server_ready_ms', 1, 0, ' ms')} | "
        f"≤ 300 ms: {target(m['server_ready_ms'] <= 300)} |",
        f"| snapshot heap (the floor under `memory_mb`; the default is 512) | "
        f"{fmt(rows, 'floor_mb', 1, 0, ' MiB')} | |",
        "",
    ]
    return "\n".join(lines)


def post_json(url, body, method="POST"):
    request = urllib.request.Request(url, data=json.dumps(body).encode() if body is not None else None,
                                     method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request) as answer:
        text = answer.read()
    return json.loads(text) if text else None


def sessions_round(server_bin, python_dir, hello_script):
    """One server: session create and delete latency, `x += 1` in a session over HTTP beside a
    plain hello, the memory an idle session holds (empty, and holding 10 MiB of objects), and
    the delay from a guest write to its streamed event."""
    row = {}
    flags = ("--max-sessions", "200", "--memory-budget-mb", "0")
    with Server(server_bin, python_dir, flags=flags) as server:
        server.run(HELLO)
        sessions = f"{server.base}/v1/sessions"
        creates, deletes = [], []
        for _ in range(200):
            t = time.perf_counter()
            made = post_json(sessions, {})
            creates.append(time.perf_counter() - t)
            t = time.perf_counter()
            post_json(f"{sessions}/{made['id']}", None, method="DELETE")
            deletes.append(time.perf_counter() - t)
        row["create_ms_p50"] = percentile(creates, 50) * 1e3
        row["delete_ms_p50"] = percentile(deletes, 50) * 1e3

        made = post_json(sessions, {})
        post_json(f"{made['url']}/run", {"code": "x = 0"})
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
            script.write(wrk_script("x += 1"))
        row["session_run_us_p50"], row["session_run_us_p99"], _ = wrk(
            f"{made['url']}/run", script.name, 1, 1, 5)
        os.unlink(script.name)
        row["hello_us_p50"], _, _ = wrk(server.url, hello_script, 1, 1, 5)

        for label, code in (("empty", "x = 1"), ("10mib", "import os\ndata = os.urandom(10 * 2**20)")):
            before = rss_bytes(server.process.pid)
            for _ in range(20):
                one = post_json(sessions, {})
                post_json(f"{one['url']}/run", {"code": code})
            row[f"idle_{label}_mib"] = (rss_bytes(server.process.pid) - before) / 20 / 2**20

        delays = []
        stream = "import time\nfor _ in range(20):\n    print(time.time(), flush=True); time.sleep(0.01)"
        request = urllib.request.Request(
            server.url, data=json.dumps({"code": stream}).encode(),
            headers={"Content-Type": "application/json", "Accept": "application/x-ndjson"})
        with urllib.request.urlopen(request) as answer:
            for line in answer:
                event = json.loads(line)
                if event["type"] == "stdout" and event["data"].strip():
                    delays.append(time.time() - float(event["data"]))
        row["stream_delay_ms_p50"] = percentile(delays, 50) * 1e3
    return row


def sessions_cost(args, hello_script):
    """--sessions: what a session costs to make, to run in, to keep idle, and how soon a
    streamed write reaches the client."""
    rounds = []
    for i in range(args.rounds):
        log(f"round {i + 1}/{args.rounds}: sessions")
        rounds.append(sessions_round(args.server_bin, args.python_dir, hello_script))
    idle = summary(rounds, "idle_10mib_mib")[0]
    return "\n".join([
        "## Sessions (`bash scripts/bench.sh --sessions`)",
        "",
        f"{len(rounds)} round(s), {time.strftime('%Y-%m-%d')}, load average before "
        f"{args.load_before:.2f}; medians of the rounds (min–max). One runner-node on loopback "
        "(`--max-sessions 200`, no memory budget); requests from Python's urllib (create, delete, "
        "memory) and wrk (one connection, 5 s).",
        "",
        "| what | figure | aim (issue 21) |",
        "|---|---|---|",
        f"| `POST /v1/sessions` p50 | {fmt(rounds, 'create_ms_p50', digits=2, unit=' ms')} | ≤ 1 ms |",
        f"| `DELETE /v1/sessions/{{id}}` p50 | {fmt(rounds, 'delete_ms_p50', digits=2, unit=' ms')} | |",
        f"| `x += 1` in a session, p50 / p99 over HTTP | {fmt(rounds, 'session_run_us_p50', 1e-3, 2, ' ms')} / "
        f"{fmt(rounds, 'session_run_us_p99', 1e-3, 2, ' ms')} | p50 ≤ 1 ms |",
        f"| `print('hi')` as a plain run, p50, same server | {fmt(rounds, 'hello_us_p50', 1e-3, 2, ' ms')} | |",
        f"| server RSS per idle session, after `x = 1` | {fmt(rounds, 'idle_empty_mib', digits=2, unit=' MiB')} | ≈ its dirty pages |",
        f"| server RSS per idle session holding 10 MiB (`os.urandom`) | {fmt(rounds, 'idle_10mib_mib', digits=2, unit=' MiB')} | |",
        f"| idle sessions of that size in 1 GiB | {1024 / idle:.0f} | |",
        f"| guest write to its streamed event, p50 | {fmt(rounds, 'stream_delay_ms_p50', digits=2, unit=' ms')} | ≤ 50 ms |",
        "",
        "Pause, resume and fork are not built yet (issue 21's next slice): no figures.",
        "",
    ])


def replace_section(path, text):
    """Puts `text` (a `## ` section) into the file at `path`, replacing the section of the same
    title if there is one."""
    title = text.splitlines()[0]
    doc = open(path).read() if os.path.exists(path) else ""
    start = doc.find(title + "\n")
    if start < 0:
        doc = doc.rstrip("\n") + "\n\n" + text
    else:
        end = doc.find("\n## ", start + len(title))
        doc = doc[:start] + text + (doc[end + 1:] if end >= 0 else "")
    with open(path, "w") as out:
        out.write(doc)


def summary(rounds, key):
    values = [r[key] for r in rounds]
    return statistics.median(values), min(values), max(values)


def fmt(rounds, key, scale=1.0, digits=0, unit=""):
    median, low, high = (v * scale for v in summary(rounds, key))
    return f"{median:,.{digits}f}{unit} ({low:,.{digits}f}–{high:,.{digits}f})"


def report(rounds, args, took):
    m = {key: summary(rounds, key)[0] for key in rounds[0]}
    mib = 1 / (1 << 20)
    ratios = {
        "snapshot_speedup": m["no_snapshot_hello_us_p50"] / m["hello_us_p50"],
        "http_vs_native": m["http_hello_us_p50"] / m["native_hello_us"],
        "fib_vs_native": m["fib27_s"] / m["native_fib27_s"],
    }

    def verdict(ok, missed_by):
        return "met" if ok else f"**missed** ({missed_by})"

    targets = [
        ("in-process sandbox ready p50 ≤ 0.5 ms", f"{m['ready_us_p50'] / 1e3:.3f} ms",
         verdict(m["ready_us_p50"] <= 500, f"{m['ready_us_p50'] / 500:.1f}×")),
        ("hello run p50 ≤ 2 ms over HTTP", f"{m['http_hello_us_p50'] / 1e3:.2f} ms",
         verdict(m["http_hello_us_p50"] <= 2000, f"{m['http_hello_us_p50'] / 2000:.1f}×")),
        ("hello over HTTP ≤ 0.3× native `python3 -c \"print('hi')\"`",
         f"{ratios['http_vs_native']:.2f}×",
         verdict(ratios["http_vs_native"] <= 0.3, f"{ratios['http_vs_native'] / 0.3:.1f}×")),
        ("≥ 20× faster than the no-snapshot path (in-process hello p50)",
         f"{ratios['snapshot_speedup']:.0f}×",
         verdict(ratios["snapshot_speedup"] >= 20, f"{20 / ratios['snapshot_speedup']:.1f}×")),
        ("≥ 1,000 hello runs/s (wrk, 32 connections)", f"{m['http_hello_rps']:,.0f}/s",
         verdict(m["http_hello_rps"] >= 1000, f"{1000 / m['http_hello_rps']:.1f}×")),
        ("≤ 4 MiB extra PSS per concurrent sandbox", f"{m['pss_per_sandbox_bytes'] * mib:.2f} MiB",
         verdict(m["pss_per_sandbox_bytes"] <= 4 << 20,
                 f"{m['pss_per_sandbox_bytes'] / (4 << 20):.1f}×")),
        ("fib(27) ≤ 2.5× native", f"{ratios['fib_vs_native']:.2f}×",
         verdict(ratios["fib_vs_native"] <= 2.5, f"{ratios['fib_vs_native'] / 2.5:.1f}×")),
        ("server ready ≤ 100 ms with a warm cache", f"{m['server_ready_ms']:.0f} ms",
         verdict(m["server_ready_ms"] <= 100, f"{m['server_ready_ms'] / 100:.1f}×")),
    ]
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                if line.startswith("model name")), platform.processor())
    lines = [
        "# Benchmarks",
        "",
        "Written by `bash scripts/bench.sh` (not part of the test run). Each figure is the median",
        f"of {len(rounds)} rounds of the whole measurement, with the minimum and maximum in",
        "parentheses; ratios use the medians of this same run.",
        "",
        f"- machine: {cpu}, {os.cpu_count()} cores, Linux {platform.release()}",
        f"- date: {datetime.date.today().isoformat()}; the whole benchmark took {took:.0f} s; "
        f"load average (1 min) {args.load_before:.1f} before, {os.getloadavg()[0]:.1f} after "
        "(above 0 means other work shared the cores)",
        f"- command: `bash scripts/bench.sh{' --rounds ' + str(args.rounds) if args.rounds != 3 else ''}`",
        "- runner-node: dev profile (our crates at opt-level 1, dependencies at 3), pooling "
        "allocator, snapshot compiled for x86-64-v2",
        "",
        "## Targets",
        "",
        "| target | measured | |",
        "|---|---|---|",
        *[f"| {name} | {value} | {ok} |" for name, value, ok in targets],
        "",
        "## In-process (crates/runner-node/examples/bench.rs)",
        "",
        "| what | p50 | p99 |",
        "|---|---|---|",
        f"| sandbox start-to-ready (store, WASI context, instantiate) | {fmt(rounds, 'ready_us_p50', 1e-3, 3, ' ms')} | {fmt(rounds, 'ready_us_p99', 1e-3, 3, ' ms')} |",
        f"| run `pass` | {fmt(rounds, 'pass_us_p50', 1e-3, 3, ' ms')} | {fmt(rounds, 'pass_us_p99', 1e-3, 3, ' ms')} |",
        f"| run `print('hi')` | {fmt(rounds, 'hello_us_p50', 1e-3, 3, ' ms')} | {fmt(rounds, 'hello_us_p99', 1e-3, 3, ' ms')} |",
        f"| no snapshot: fresh instance + CPython start + `print('hi')` (the origin's path) | {fmt(rounds, 'no_snapshot_hello_us_p50', 1e-3, 1, ' ms')} | {fmt(rounds, 'no_snapshot_hello_us_p99', 1e-3, 1, ' ms')} |",
        "",
        "## Over HTTP (the runner-node binary on loopback, wrk)",
        "",
        "| what | value |",
        "|---|---|",
        f"| `POST /run` hello, one client: p50 | {fmt(rounds, 'http_hello_us_p50', 1e-3, 2, ' ms')} |",
        f"| `POST /run` hello, one client: p99 | {fmt(rounds, 'http_hello_us_p99', 1e-3, 2, ' ms')} |",
        f"| throughput, wrk 2 threads × 32 connections, 10 s | {fmt(rounds, 'http_hello_rps', 1, 0, ' runs/s')} |",
        f"| same, server with `--worker-threads 1` (see Notes) | {fmt(rounds, 'http_hello_rps_one_worker', 1, 0, ' runs/s')} |",
        f"| server start to listening, warm module cache | {fmt(rounds, 'server_ready_ms', 1, 0, ' ms')} |",
        "",
        "## Memory",
        "",
        "| what | value |",
        "|---|---|",
        f"| extra PSS per concurrent sandbox ({rounds[0]['concurrent_sandboxes']} runs in `time.sleep` at once) | {fmt(rounds, 'pss_per_sandbox_bytes', mib, 2, ' MiB')} |",
        f"| idle server RSS (after one run) | {fmt(rounds, 'idle_rss_bytes', mib, 1, ' MiB')} |",
        f"| snapshot heap: every run's starting linear memory, the floor under `memory_mb` | {fmt(rounds, 'snapshot_memory_bytes', mib, 1, ' MiB')} |",
        "",
        "## CPU-bound and native baselines",
        "",
        "| what | value |",
        "|---|---|",
        f"| `fib(27)` in the sandbox (timed inside the guest) | {fmt(rounds, 'fib27_s', 1e3, 0, ' ms')} |",
        f"| `fib(27)` native `{NATIVE_PYTHON}` | {fmt(rounds, 'native_fib27_s', 1e3, 0, ' ms')} |",
        f"| native `{NATIVE_PYTHON} -I -S -c pass` (hyperfine median) | {fmt(rounds, 'native_pass_us', 1e-3, 2, ' ms')} |",
        f"| native `{NATIVE_PYTHON} -I -S -c \"print('hi')\"` (hyperfine median) | {fmt(rounds, 'native_hello_us', 1e-3, 2, ' ms')} |",
        "",
    ]
    notes_path = os.path.join(os.path.dirname(args.out), "benchmarks-notes.md")
    if os.path.exists(notes_path):
        lines += ["## Notes", "", open(notes_path).read().strip(), ""]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--bench-bin", required=True)
    parser.add_argument("--server-bin", required=True)
    parser.add_argument("--python-dir", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--tracing", action="store_true",
                        help="only measure what traces cost, into its own section of --out")
    parser.add_argument("--packages", help="only measure what this package folder costs, into "
                        "its own section of --out")
    parser.add_argument("--preimport", default="networkx,tabulate,dateutil",
                        help="with --packages: the modules to pre-import")
    parser.add_argument("--memory-mb", type=int, default=192, help="with --packages: --memory-mb")
    parser.add_argument("--scientific", help="only measure the scientific runtime of this build "
                        "folder, into its own section of --out")
    parser.add_argument("--native-python", help="with --scientific: a Python with PyPI's numpy "
                        "and pandas of the same versions")
    parser.add_argument("--sessions", action="store_true", help="only measure sessions and "
                        "streaming, into their own section")
    parser.add_argument("--fairness", action="store_true", help="only measure fairness under "
                        "CPU-bound load and throughput, into its own section of --out")
    parser.add_argument("--baseline-bin", help="with --tracing, --packages or --fairness: an "
                        "older runner-node")
    parser.add_argument("--baseline-rev", default="baseline", help="the revision --baseline-bin is of")
    args = parser.parse_args()
    os.environ["RUNNER_PYTHON_DIR"] = args.python_dir
    args.load_before = os.getloadavg()[0]
    began = time.perf_counter()
    rounds = []
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT)
    if args.tracing or args.packages or args.scientific or args.fairness or args.sessions:
        measure = (tracing_cost if args.tracing else packages_cost if args.packages
                   else fairness_cost if args.fairness else sessions_cost if args.sessions
                   else scientific_cost)
        try:
            text = measure(args, script.name)
        finally:
            os.unlink(script.name)
        replace_section(args.out, text)
        print(text)
        return
    try:
        for i in range(args.rounds):
            log(f"round {i + 1}/{args.rounds}: in-process")
            result = in_process(args.bench_bin)
            log(f"round {i + 1}/{args.rounds}: native baselines")
            result |= native()
            log(f"round {i + 1}/{args.rounds}: HTTP")
            result |= http(args.server_bin, args.python_dir, script.name)
            log(f"round {i + 1}/{args.rounds}: HTTP, --worker-threads 1")
            one = http(args.server_bin, args.python_dir, script.name, flags=("--worker-threads", "1"))
            result["http_hello_rps_one_worker"] = one["http_hello_rps"]
            rounds.append(result)
    finally:
        os.unlink(script.name)
    text = report(rounds, args, time.perf_counter() - began)
    # The --tracing, --packages and --scientific sections are measured on their own: keep them.
    previous = open(args.out).read() if os.path.exists(args.out) else ""
    own = ("\n## Tracing cost", "\n## Packages cost", "\n## Scientific runtime", "\n## Fairness",
           "\n## Sessions")
    kept = [i for i in (previous.find(title) for title in own) if i >= 0]
    if kept:
        text = text.rstrip("\n") + "\n" + previous[min(kept):]
    with open(args.out, "w") as out:
        out.write(text)
    print(text)


if __name__ == "__main__":
    main()
