"""The package has no import cycles (counting imports inside functions too) and notebooks stay thin."""

import ast
from pathlib import Path

import nbformat

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "analysis"
NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                found.add(node.module.split(".")[0])
            else:
                found.update(alias.name for alias in node.names)
    return found - {"__init__"}


def test_no_import_cycles():
    graph = {p.stem: _imports(p) for p in PACKAGE.glob("*.py") if p.stem != "__main__"}
    visiting, done = set(), set()

    def visit(module, path):
        if module in done or module not in graph:
            return
        assert module not in visiting, "import cycle: " + " -> ".join(path + [module])
        visiting.add(module)
        for target in sorted(graph[module]):
            visit(target, path + [module])
        visiting.discard(module)
        done.add(module)

    for module in sorted(graph):
        visit(module, [])


def test_notebooks_are_thin():
    """No function or class definitions, no loops over data, few lines: logic lives in the package."""
    for path in NOTEBOOKS.glob("*.ipynb"):
        code = [c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
        tree = ast.parse("\n".join(code))
        assert not [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.ClassDef, ast.Lambda))], path.name
        assert sum(len(c.splitlines()) for c in code) <= 40, f"{path.name} has grown: move logic into analysis"
