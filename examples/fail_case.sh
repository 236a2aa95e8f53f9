#!/usr/bin/env bash
# Network access fails cleanly: the sandbox has no sockets, the answer is an "Error" with the
# traceback, and the server carries on.
set -euo pipefail
"$(dirname "$0")/run.sh" '.res.status, .outcome, (.res.output | split("\n") | map(select(length > 0)) | last)' <<'PY'
import urllib.request
urllib.request.urlopen("http://example.com", timeout=2)
PY
