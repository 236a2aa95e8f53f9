"""e2e/run.sh itself, as far as it can run without a cluster."""

import shutil
import subprocess

from e2e_support import REPO


def test_without_the_tools_the_suite_stops_at_once_and_says_what_is_missing(tmp_path):
    """Here (no kind, kubectl or helm on the PATH it is given) the suite fails in its first
    phase, naming the missing tool, and touches nothing."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ["dirname", "mkdir", "rm", "sort", "head"]:
        (bin_dir / tool).symlink_to(shutil.which(tool))
    result = subprocess.run(
        [shutil.which("bash"), str(REPO / "e2e/run.sh")], capture_output=True, text=True, timeout=60,
        env={"PATH": str(bin_dir), "E2E_ARTIFACTS": str(tmp_path / "artifacts"), "HOME": str(tmp_path)},
    )
    assert result.returncode == 1, result.stderr
    assert "FAIL: docker is not installed (docs/e2e.md lists the prerequisites)" in result.stderr
    assert "e2e FAILED during: tools" in result.stderr
    assert not (tmp_path / "artifacts/kubeconfig").exists()
