"""No import cycles among vision_lab's modules, counting the imports inside functions too.

A lazy import still makes two modules depend on each other: the judge once imported the trainer inside a function
while the trainer imported the judge inside another, and neither could be understood, tested or replaced alone.
Imports under ``if TYPE_CHECKING:`` are annotations only and do not count; neither do modules named in strings
(a family's ``task = "module:Class"``, the registries' built-in lists), which is how a plugin manifest names them.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "vision_lab"


def module_names(root: Path) -> dict[str, Path]:
    names = {}
    for path in root.rglob("*.py"):
        parts = path.relative_to(root.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        names[name] = path
    return names


def import_graph(root: Path) -> dict[str, set[str]]:
    """module -> the package's modules it imports anywhere in its code (the deepest module each import names)."""
    modules = module_names(root)
    package = root.name

    def resolve(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {m: set() for m in modules}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        typing_only = {
            id(inner)
            for node in ast.walk(tree)
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
            for inner in ast.walk(node)
        }
        for node in ast.walk(tree):
            if id(node) in typing_only:
                continue
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    here = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
                    base = ".".join([*here[: len(here) - node.level + 1], *([base] if base else [])])
                targets = [f"{base}.{alias.name}" for alias in node.names]
            for target in targets:
                found = resolve(target) if target.split(".")[0] == package else None
                if found is not None and found != name:
                    graph[name].add(found)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm, without recursion)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_vision_lab_has_no_import_cycles() -> None:
    graph = import_graph(PACKAGE)
    assert len(graph) > 80 and graph["vision_lab.core.trainer"], "the scan found the package's modules"
    found = cycles(graph)
    assert not found, "modules that import each other (inside functions too):\n" + "\n".join(map(str, found))


def test_the_scan_finds_a_cycle_made_of_lazy_imports(tmp_path: Path) -> None:
    pkg = tmp_path / "vision_lab"
    (pkg / "core").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "core" / "__init__.py").write_text("")
    (pkg / "core" / "judge.py").write_text("def train():\n    from vision_lab.core.trainer import Trainer\n")
    (pkg / "core" / "trainer.py").write_text("def load():\n    from vision_lab.core import judge\n")
    (pkg / "core" / "typed.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from vision_lab.core.trainer import Trainer\n"
    )
    graph = import_graph(pkg)
    assert cycles(graph) == [["vision_lab.core.judge", "vision_lab.core.trainer"]]
    assert graph["vision_lab.core.typed"] == set()  # annotations only
