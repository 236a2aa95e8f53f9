"""Each crate's modules import each other without a circle (docs/architecture.md): read from
the sources, `use crate::x` and `crate::x::...` outside comments and unit tests."""

import re
from pathlib import Path

import pytest

CRATES = Path(__file__).resolve().parents[2]
USE = re.compile(r"\bcrate::(?:\{([^}]*)\}|(\w+))")


def module_of(path: Path, src: Path) -> str:
    """The crate's top-level module a source file belongs to (`controller/run.rs` → controller)."""
    return path.relative_to(src).with_suffix("").parts[0]


def imports(path: Path) -> set[str]:
    text = path.read_text()
    text = text.split("#[cfg(test)]\nmod tests", 1)[0]
    code = "\n".join(line.split("//", 1)[0] for line in text.splitlines())
    found = set()
    for group, single in USE.findall(code):
        names = [n.strip().split("::")[0] for n in group.split(",")] if group else [single]
        found |= {n for n in names if n and n != "self"}
    return found


def graph(crate: str) -> dict[str, set[str]]:
    src = CRATES / crate / "src"
    files = [p for p in src.rglob("*.rs") if p.name not in ("lib.rs", "main.rs")]
    modules = {module_of(p, src) for p in files}
    edges: dict[str, set[str]] = {m: set() for m in modules}
    for path in files:
        module = module_of(path, src)
        edges[module] |= (imports(path) & modules) - {module}
    return edges


def cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """A circle of imports, if there is one."""
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> list[str] | None:
        if node in path:
            return path[path.index(node):] + [node]
        if node in done:
            return None
        for dep in sorted(edges[node]):
            found = visit(dep, path + [node])
            if found:
                return found
        done.add(node)
        return None

    for start in sorted(edges):
        found = visit(start, [])
        if found:
            return found
    return None


@pytest.mark.parametrize("crate", ["runner-node", "runner-operator"])
def test_modules_import_without_a_circle(crate):
    edges = graph(crate)
    assert len(edges) > 5, edges
    # The reading works: edges known to exist are found.
    known = {"runner-node": ("routes", "plan"), "runner-operator": ("controller", "resources")}
    importer, imported = known[crate]
    assert imported in edges[importer], edges
    assert cycle(edges) is None, f"{crate}: " + " -> ".join(cycle(edges))


def test_a_circle_is_found():
    assert cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert cycle({"a": {"b"}, "b": set()}) is None
