"""Shared by the e2e/ tests: the repository, e2e/run.sh's settings, and modules of other test
folders loaded by path (they are not packages)."""

import importlib.util
import re
from pathlib import Path

E2E = Path(__file__).resolve().parent
REPO = E2E.parent
RUN_SH = (E2E / "run.sh").read_text()


def load(name: str, path: Path):
    """The Python file at `path` as a module called `name`."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def shell_array(name: str) -> list[str]:
    """The words of the bash array NAME=(...) in e2e/run.sh."""
    return re.search(rf"^{name}=\((.*?)\)$", RUN_SH, re.MULTILINE).group(1).split()


def shell_value(name: str) -> str:
    """The value of NAME=... (quoted or not, alone on its line or not) in e2e/run.sh."""
    return re.search(rf'^(?:.* )?{name}="?([^"\s]+)"?', RUN_SH, re.MULTILINE).group(1)
