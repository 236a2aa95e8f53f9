#!/usr/bin/env python3
"""A stand-in OpenTelemetry collector for the e2e suite: it accepts OTLP/HTTP trace exports
(`POST /v1/traces`, protobuf) and prints one line per export, `export <n> bytes <hex>`, so a
check finds a trace id or a resource attribute's value in `kubectl logs` without a protobuf
library. Standard library only: it runs in a plain python image.

    otlp_sink.py [--port 4318]

Anything but a POST to /v1/traces gets a 404. A trace export gets 200 with an empty body,
which is an empty ExportTraceServiceResponse: the exporter counts it delivered.
"""

from __future__ import annotations

import argparse
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# The largest export accepted; the batch processor sends at most 512 spans at a time.
MAX_EXPORT_BYTES = 16 << 20


class Sink(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 (the name http.server calls)
        length = int(self.headers.get("Content-Length") or 0)
        if self.path != "/v1/traces" or not 0 < length <= MAX_EXPORT_BYTES:
            self.send_error(404 if self.path != "/v1/traces" else 413)
            return
        body = self.rfile.read(length)
        print(f"export {len(body)} bytes {body.hex()}", flush=True)
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args) -> None:  # noqa: A002
        pass  # one line per export, nothing else


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=4318)
    parser.add_argument("--host", default="0.0.0.0")
    args = parser.parse_args(argv)
    server = ThreadingHTTPServer((args.host, args.port), Sink)
    print(f"listening on {args.host}:{server.server_port}", flush=True)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
