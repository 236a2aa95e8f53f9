"""Every Kubernetes command README.md and docs/*.md show (kubectl, helm, kind, in ```sh and
```console blocks) is run, as written, by the e2e suite: it appears in e2e/run.sh, or below
with the reason it is not. The local commands (curl against a runner-node) are run by
examples/tests/test_docs.py, whose way of reading commands out of the docs this reuses."""

import re

import pytest

from e2e_support import REPO, RUN_SH, load

KUBERNETES_TOOLS = ("kubectl ", "helm ", "kind ")
# docs/e2e.md is about the suite itself: its commands start it or inspect a kept cluster.
NOT_CHECKED = {"docs/e2e.md"}
# Commands the suite does not run, and why.
NOT_RUN = {
    "kubectl apply -f my-pool.yaml && kubectl get pypool -w":
        "my-pool.yaml stands for the reader's pool and `-w` never ends; the suite applies the "
        "example pools and waits on them with kubectl wait",
    "helm install python-sandbox oci://ghcr.io/python-sandbox/charts/python-sandbox "
    "--version 0.1.0 -n python-sandbox --create-namespace":
        "no release is published yet (docs/release.md); the suite installs the chart folder, "
        "and charts/python-sandbox/tests/test_package.py shows the packaged chart renders the same",
}


docs = load("e2e_docs", REPO / "examples/tests/test_docs.py")


def normal(command: str) -> str:
    """One line, single spaces: line continuations and indentation do not matter."""
    return re.sub(r"\s+", " ", command.replace("\\\n", " ")).strip()


def kubernetes_commands():
    found = []
    for doc in docs.DOCS:
        where = str(doc.relative_to(REPO))
        if where in NOT_CHECKED:
            continue
        for kind, body in docs.BLOCK.findall(doc.read_text()):
            for command, _shown in docs.commands(kind, body):
                if command.startswith(KUBERNETES_TOOLS):
                    found.append((where, command))
    return found


COMMANDS = kubernetes_commands()


def test_the_docs_have_kubernetes_commands():
    where = {w for w, _ in COMMANDS}
    assert {"README.md", "docs/install.md", "docs/operator.md"} <= where, where
    readme = [normal(c) for w, c in COMMANDS if w == "README.md"]
    assert any(c.startswith("helm install") for c in readme)
    assert any(c.startswith("kubectl apply -f examples/pools/") for c in readme)
    assert any("curlimages/curl" in c for c in readme)


@pytest.mark.parametrize("where,command", COMMANDS, ids=[f"{w}: {c[:50]}" for w, c in COMMANDS])
def test_the_suite_runs_the_command_as_written(where, command):
    if normal(command) in NOT_RUN:
        return
    assert normal(command) in normal(RUN_SH), f"{where}: e2e/run.sh does not run `{command}`"


def test_the_commands_it_does_not_run_are_still_in_the_docs():
    shown = {normal(c) for _, c in COMMANDS}
    assert set(NOT_RUN) <= shown, set(NOT_RUN) - shown

