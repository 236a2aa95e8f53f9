"""Property-based tests of the HTTP API: schemathesis reads the server's own /openapi.json,
generates valid and invalid requests for every operation, and checks that none gets a 5xx and
every answer conforms to the document (status documented, body matching its schema, content
type and headers as stated, 405 with `Allow` for other methods, invalid data refused).

`positive_data_acceptance` (schema-valid data must get a 2xx) is left out: some rules cannot be
written in JSON Schema (a file name may not be both a file and the folder of another, the
files must fit the scratch quota), so the server answers a documented 400/422 to such data."""

import subprocess
import sys

from conftest import Runner

MAX_EXAMPLES = 150


def test_no_5xx_and_every_answer_conforms(tmp_path):
    # A short wall-time limit bounds what a generated program can cost. Sessions end after a
    # second or two without a run (a longer idle_timeout_s is a documented 422), so the
    # generated creations never fill every place: schemathesis counts any 5xx as a failure,
    # even the documented 503 of a full runner.
    server = Runner("--timeout-ms", "200", "--allow-env", "LANG,TZ",
                    "--max-sessions", "256", "--session-idle-timeout-s", "1",
                    "--max-session-idle-timeout-s", "2")
    try:
        run = subprocess.run(
            [sys.executable, "-m", "schemathesis.cli", "run", server.url + "/openapi.json",
             "--checks", "all", "--exclude-checks", "positive_data_acceptance",
             "--max-examples", str(MAX_EXAMPLES), "--seed", "20261125",
             "--generation-database", "none", "--no-color", "--request-timeout", "30"],
            # schemathesis keeps a cache in its working folder: keep it out of the checkout.
            cwd=tmp_path, capture_output=True, text=True, timeout=600,
        )
    finally:
        server.stop()
    assert run.returncode == 0, run.stdout[-20000:] + run.stderr[-5000:]
    assert " generated" in run.stdout, run.stdout
