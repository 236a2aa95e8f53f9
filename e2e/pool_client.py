#!/usr/bin/env python3
"""The requests a caller sends to a pool, and what it must get back: one script for both sides.

e2e/run.sh runs it in a client pod inside the kind cluster against each pool's Service;
e2e/test_pool_client.py runs it here against a local runner-node. Standard library only (the
client pod is a plain `python` image), so it cannot import the project's code.

    pool_client.py cases URL [--data PATH=LINE]   hello, fib, list_files, fail_case, timeout, bad requests
    pool_client.py limit URL --max-timeout-ms N   a request at the pool's maximum runs, one above is a 422
    pool_client.py probe open|closed HOST:PORT... TCP connections succeed (with retries) or all fail
    pool_client.py trace URL TRACE_ID             hello, sent as part of the trace TRACE_ID (traceparent)
    pool_client.py packages URL --preimported "a b"  the pool's packages are listed, pre-imported and run
    pool_client.py scientific URL                 the pool serves the scientific runtime: pandas and numpy run
    pool_client.py sessions URL [--hosts "a b"]   a session keeps state between runs, at its runner's own url

The programs are the ones in examples/*.sh (between `<<'PY'` and `PY`), read from --examples
(default: the examples/ folder next to this one, else this script's own folder, where the
cluster's ConfigMap puts them), so the cluster runs exactly what the examples run. Prints one
line per check; exits 1 at the first failure with what was expected and what came back.
"""

from __future__ import annotations

import argparse
import json
import re
import socket
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

# e2e/run.sh also runs this file as `python3 -c "$(cat pool_client.py)" probe ...` in an
# ephemeral container, which has no files of ours and so no __file__.
HERE = Path(globals().get("__file__", ".")).resolve().parent
# A run's answer can take the run's own timeout plus the queue wait: generous, never hit by a
# healthy pool.
HTTP_TIMEOUT_S = 60
# One TCP connection attempt in `probe`; a NetworkPolicy drops packets, so a blocked address
# shows as a timeout, not a refusal.
CONNECT_TIMEOUT_S = 3
# `probe open` retries up to this often (a new pod's network policy may take seconds to
# program); `probe closed` tries this often and every attempt must fail. `--attempts` changes it.
PROBE_ATTEMPTS = 5
PROBE_PAUSE_S = 2


class CheckFailed(Exception):
    """A check's expectation was not met; the message says what and shows the answer."""


def examples_dir(given: str | None) -> Path:
    if given:
        return Path(given)
    sibling = HERE.parent / "examples"
    return sibling if (sibling / "hello.sh").is_file() else HERE


def example(folder: Path, script: str) -> dict:
    """The request examples/SCRIPT sends: its program and its `--with` fields."""
    text = (folder / script).read_text()
    program = re.search(r"<<'PY'\n(.*?)^PY$", text, re.DOTALL | re.MULTILINE)
    if not program:
        raise CheckFailed(f"{script}: no <<'PY' ... PY program found")
    request = {"code": program.group(1)}
    extra = re.search(r"--with '([^']*)'", text)
    if extra:
        request.update(json.loads(extra.group(1)))
    return request


def post(
    url: str, body: bytes, content_type: str = "application/json", headers: dict | None = None
) -> tuple[int, dict]:
    """(HTTP status, JSON answer) of POST url/run; a 4xx/5xx answer is returned, not raised."""
    request = urllib.request.Request(
        f"{url}/run", data=body, method="POST", headers={"Content-Type": content_type, **(headers or {})}
    )
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_S) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def run(url: str, request: dict) -> dict:
    status, answer = post(url, json.dumps(request).encode())
    expect(status == 200, f"status {status}, want 200", answer)
    return answer


def expect(condition: bool, what: str, answer: object) -> None:
    if not condition:
        raise CheckFailed(f"{what}\n  answer: {json.dumps(answer)[:2000]}")


def check(name: str, fn, *args) -> None:
    fn(*args)
    print(f"ok   {name}", flush=True)


# === the cases ===


def hello(url: str, folder: Path) -> None:
    answer = run(url, example(folder, "hello.sh"))
    expect(answer["res"] == {"status": "Ok", "output": "hello world\n"}, "hello world printed", answer)
    expect(answer["outcome"] == "completed" and answer["exit_code"] == 0, "completed, exit 0", answer)


def fib(url: str, folder: Path) -> None:
    answer = run(url, example(folder, "fib.sh"))
    out = answer["stdout"]
    expect("[0, 1, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233, 377]" in out, "the first 15", answer)
    expect("fib(25) = 75025" in out, "fib(25) = 75025", answer)


def list_files(url: str, folder: Path) -> None:
    answer = run(url, example(folder, "list_files.sh"))
    out = answer["stdout"]
    expect("/usr/local/lib -> ['python3.13']\n" in out, "the stdlib folder only", answer)
    expect("/work -> []\n" in out, "an empty /work", answer)
    for hidden in ["/", "/etc", "/proc", "/root"]:
        expect(
            f"{hidden} -> FileNotFoundError No such file or directory\n" in out,
            f"{hidden} not visible", answer,
        )


def fail_case(url: str, folder: Path) -> None:
    answer = run(url, example(folder, "fail_case.sh"))
    expect(answer["res"]["status"] == "Error" and answer["outcome"] == "completed",
           "an Error that completed", answer)
    last = [line for line in answer["res"]["output"].splitlines() if line][-1]
    expect("Error" in last, "the traceback ends with the network error", answer)
    # The runner carries on.
    hello(url, folder)


def timeout(url: str, folder: Path) -> None:
    request = example(folder, "timeout.sh")
    expect(request.get("timeout_ms") == 1000, "timeout.sh asks for 1000 ms", request)
    answer = run(url, request)
    expect(
        (answer["outcome"], answer["exit_code"], answer["res"])
        == ("timeout", None, {"status": "Error", "output": "working...\n"}),
        "stopped at the limit, output kept", answer,
    )


def bad_requests(url: str, _folder: Path) -> None:
    cases = [
        (b'{"code": "print(1)"', "application/json", 400, "invalid_json"),
        (b'{"cod": "print(1)"}', "application/json", 400, "unknown_field"),
        (b'{"code": "print(1)"}', "text/plain", 415, "unsupported_media_type"),
        (b'{"code": "print(1)", "memory_mb": 999999}', "application/json", 422, "limit_exceeded"),
    ]
    for body, content_type, want_status, want_code in cases:
        status, answer = post(url, body, content_type)
        expect(
            status == want_status and answer.get("error", {}).get("code") == want_code,
            f"{body.decode()!r} as {content_type}: want {want_status} {want_code}", answer,
        )
        expect(bool(answer["error"].get("message")), "the error says what is wrong", answer)


def data_mount(url: str, spec: str) -> None:
    """PATH=LINE: the file at PATH (a read-only data mount) holds LINE and cannot be written."""
    path, _, line = spec.partition("=")
    code = (
        f"print(open({path!r}).read(), end='')\n"
        f"try:\n    open({path!r}, 'a').write('x')\nexcept OSError as e:\n"
        "    print('write refused:', type(e).__name__)\n"
    )
    answer = run(url, {"code": code})
    out = answer["stdout"]
    expect(f"{line}\n" in out, f"{path} holds {line!r}", answer)
    expect("write refused: " in out, f"{path} is read-only", answer)


def cases(args: argparse.Namespace) -> None:
    folder = examples_dir(args.examples)
    for name, fn in [("hello", hello), ("fib", fib), ("list_files", list_files),
                     ("fail_case", fail_case), ("timeout", timeout), ("bad request", bad_requests)]:
        check(f"{name} ({args.url})", fn, args.url, folder)
    for spec in args.data:
        check(f"data mount {spec.partition('=')[0]} ({args.url})", data_mount, args.url, spec)


def limit(args: argparse.Namespace) -> None:
    """The pool's maximum wall time: asking for exactly it runs, one millisecond more is a 422."""
    most = args.max_timeout_ms
    answer = run(args.url, {"code": "print('within')", "timeout_ms": most})
    expect(answer["stdout"] == "within\n", f"timeout_ms {most} runs", answer)
    status, answer = post(args.url, json.dumps({"code": "print(1)", "timeout_ms": most + 1}).encode())
    expect(status == 422 and answer["error"]["code"] == "limit_exceeded",
           f"timeout_ms {most + 1}: want 422 limit_exceeded", answer)
    expect(str(most) in answer["error"]["message"], f"the message names the maximum {most}", answer)
    print(f"ok   max timeout_ms is {most} ({args.url})", flush=True)


def trace(args: argparse.Namespace) -> None:
    """hello, as a step of the caller's trace TRACE_ID (W3C traceparent, sampled): the runner's
    spans join that trace, whatever the pool's sampling ratio."""
    expect(re.fullmatch(r"[0-9a-f]{32}", args.trace_id) is not None, "a 32-digit hex trace id", args.trace_id)
    traceparent = f"00-{args.trace_id}-00f067aa0ba902b7-01"
    request = json.dumps({"code": "print('traced')"}).encode()
    status, answer = post(args.url, request, headers={"traceparent": traceparent})
    expect(status == 200 and answer["stdout"] == "traced\n", "status 200, traced printed", answer)
    print(f"ok   run in trace {args.trace_id} ({args.url})", flush=True)


def get(url: str, path: str) -> dict:
    with urllib.request.urlopen(f"{url}{path}", timeout=HTTP_TIMEOUT_S) as response:
        return json.load(response)


def packages(args: argparse.Namespace) -> None:
    """A pool with spec.packages: /v1/environment lists each pre-imported package as such, and
    a run imports them and uses them (tabulate and networkx are the example pool's)."""
    names = args.preimported.replace(",", " ").split()
    expect(bool(names), "--preimported names at least one package", args.preimported)
    environment = get(args.url, "/v1/environment")
    listed = {p["name"].lower(): p for p in environment["packages"]}
    for name in names:
        package = listed.get(name.lower())
        expect(package is not None and package["source"] == "pool", f"{name} listed from the pool", environment)
        expect(package["preimported"] is True, f"{name} pre-imported", environment)
    code = "\n".join(f"import {name}" for name in names) + "\nprint('imported', len(sys.modules) > 0)"
    answer = run(args.url, {"code": "import sys\n" + code})
    expect(answer["stdout"] == "imported True\n", f"{' '.join(names)} import in a run", answer)
    print(f"ok   packages {' '.join(names)} pre-imported ({args.url})", flush=True)


# A small analysis: a CSV in, a group-by and a least-squares line, a CSV back.
SCIENTIFIC_PROGRAM = """\
import numpy as np, pandas as pd
df = pd.read_csv("points.csv")
slope, intercept = np.polyfit(df["x"], df["y"], 1)
df.groupby("group", as_index=False)["y"].sum().to_csv("sums.csv", index=False)
print(f"{slope:.1f} {intercept:.1f}")
"""


def scientific(args: argparse.Namespace) -> None:
    """A pool with `runtime: scientific`: /v1/environment names the runtime with numpy and
    pandas built in and pre-imported, and a pandas program's result comes back as a file."""
    environment = get(args.url, "/v1/environment")
    expect(environment["runtime"] == "scientific", "runtime scientific", environment)
    listed = {p["name"]: p for p in environment["packages"]}
    for name in ("numpy", "pandas"):
        package = listed.get(name)
        expect(package is not None and package["source"] == "runtime", f"{name} built in", environment)
        expect(package["preimported"] is True, f"{name} pre-imported", environment)
    points = "group,x,y\na,0,1\nb,1,3\na,2,5\nb,3,7\n"
    answer = run(args.url, {"code": SCIENTIFIC_PROGRAM, "files": {"points.csv": points}, "outputs": ["*.csv"]})
    expect(answer["stdout"] == "2.0 1.0\n", "slope 2.0, intercept 1.0 printed", answer)
    returned = {f["path"]: f["content"] for f in answer.get("files") or []}
    expect(returned.get("sums.csv") == "group,y\na,6\nb,10\n", "sums.csv returned", answer)
    print(f"ok   scientific runtime: numpy {listed['numpy']['version']}, pandas {listed['pandas']['version']} ({args.url})", flush=True)


def sessions(args: argparse.Namespace) -> None:
    """A pool with spec.sessions: a session made through the pool's URL answers with its own
    `url` (with --hosts: one of those hosts, the runner pods' addresses, not the Service's
    name), what one run there defines is there for the next, and DELETE ends it."""
    request = urllib.request.Request(f"{args.url}/v1/sessions", data=b"{}", method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_S) as response:
        expect(response.status == 201, f"status {response.status}, want 201", {})
        made = json.load(response)
    url = made["url"]
    host = urllib.parse.urlsplit(url).hostname
    if args.hosts:
        expect(host in args.hosts.split(), f"the session's url names a runner pod ({args.hosts})", made)
    run(url, {"code": "total = 40"})
    answer = run(url, {"code": "print(total + 2)"})
    expect(answer["stdout"] == "42\n", "the second run sees what the first defined", answer)
    deleted = urllib.request.Request(url, method="DELETE")
    with urllib.request.urlopen(deleted, timeout=HTTP_TIMEOUT_S) as response:
        expect(response.status == 204, f"DELETE answered {response.status}, want 204", {})
    status, answer = post(url, b'{"code": "print(total)"}')
    expect(status == 404 and answer["error"]["code"] == "session_not_found", "the ended session is gone", answer)
    print(f"ok   sessions: state kept between runs at {host}, DELETE ends it ({args.url})", flush=True)


def connects(address: str) -> bool:
    host, _, port = address.rpartition(":")
    try:
        with socket.create_connection((host, int(port)), timeout=CONNECT_TIMEOUT_S):
            return True
    except OSError:
        return False


def probe(args: argparse.Namespace) -> None:
    """`open`: every address accepts a connection within `--attempts` tries. `closed`: no
    address accepts one in `--attempts` tries (a name that does not resolve counts as closed)."""
    for address in args.addresses:
        results = []
        for attempt in range(args.attempts):
            results.append(connects(address))
            if args.state == "open" and results[-1]:
                break
            if attempt + 1 < args.attempts:
                time.sleep(PROBE_PAUSE_S)
        if args.state == "open" and not any(results):
            raise CheckFailed(f"{address}: no connection in {args.attempts} attempts, want open")
        if args.state == "closed" and any(results):
            raise CheckFailed(f"{address}: connected ({results.count(True)} of {len(results)}), want closed")
        print(f"ok   {address} {args.state}", flush=True)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("cases", help="the example programs and bad requests")
    p.add_argument("url", help="the pool, e.g. http://minimal:3000")
    p.add_argument("--examples", help="folder holding hello.sh, fib.sh, ...")
    p.add_argument("--data", action="append", default=[], metavar="PATH=LINE",
                   help="a read-only data file and a line it holds")
    p.set_defaults(fn=cases)
    p = commands.add_parser("limit", help="the pool's maximum timeout_ms is enforced")
    p.add_argument("url")
    p.add_argument("--max-timeout-ms", type=int, required=True)
    p.set_defaults(fn=limit)
    p = commands.add_parser("probe", help="TCP reachability")
    p.add_argument("state", choices=["open", "closed"])
    p.add_argument("addresses", nargs="+", metavar="HOST:PORT")
    p.add_argument("--attempts", type=int, default=PROBE_ATTEMPTS)
    p.set_defaults(fn=probe)
    p = commands.add_parser("trace", help="a run that continues the caller's trace")
    p.add_argument("url")
    p.add_argument("trace_id", help="32 lowercase hex digits")
    p.set_defaults(fn=trace)
    p = commands.add_parser("packages", help="a pool's packages are listed and pre-imported")
    p.add_argument("url")
    p.add_argument("--preimported", required=True, help="the pool's spec.packages.preimport")
    p.set_defaults(fn=packages)
    p = commands.add_parser("scientific", help="the pool serves the scientific runtime")
    p.add_argument("url")
    p.set_defaults(fn=scientific)
    p = commands.add_parser("sessions", help="a session keeps state between runs")
    p.add_argument("url")
    p.add_argument("--hosts", help="the runner pods' addresses, one of which the session's url names")
    p.set_defaults(fn=sessions)
    args = parser.parse_args(argv)
    try:
        args.fn(args)
    except CheckFailed as failure:
        print(f"FAIL {failure}", file=sys.stderr, flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
