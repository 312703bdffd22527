"""The package is layered by pipeline stage, has no import cycles (imports inside functions count
too), and notebooks stay thin.

Layer order, lowest first: core -> sources -> compute -> intake | present -> run -> cli.
A module may import its own layer and any layer below it, never one above.
"""

import ast
import re
from pathlib import Path

import nbformat

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "analysis"
NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"

# what each layer may import (besides itself); intake and present are siblings above compute
ALLOWED = {
    "core": set(),
    "sources": {"core"},
    "compute": {"core", "sources"},
    "intake": {"core", "sources", "compute"},
    "present": {"core", "sources", "compute"},
    "run": {"core", "sources", "compute", "present"},
    "cli": {"core", "sources", "compute", "intake", "present", "run"},
}


def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    """Package modules imported by ``path``, as dotted names (``analysis.core.config``)."""
    found = set()
    this = _module_name(path)
    package = this if path.name == "__init__.py" else this.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            if not module.startswith("analysis"):
                continue
            for alias in node.names:
                candidate = f"{module}.{alias.name}"
                found.add(candidate if _exists(candidate) else module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("analysis"))
    return found - {this}


def _exists(dotted: str) -> bool:
    rel = Path(*dotted.split(".")[1:])
    return (PACKAGE / rel).with_suffix(".py").exists() or (PACKAGE / rel / "__init__.py").exists()


def _graph() -> dict[str, set[str]]:
    return {_module_name(p): _imports(p) for p in PACKAGE.rglob("*.py") if p.stem != "__main__"}


def _layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in ALLOWED else None


def test_every_module_sits_in_a_stage():
    loose = [p.name for p in PACKAGE.glob("*.py") if p.name not in ("__init__.py", "__main__.py")]
    assert not loose, f"modules outside a stage folder: {loose}"
    stages = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert stages == set(ALLOWED), stages


def _violations(graph: dict[str, set[str]]) -> list[str]:
    wrong = []
    for module, targets in graph.items():
        own = _layer(module)
        for target in targets:
            other = _layer(target)
            if own and other and other != own and other not in ALLOWED[own]:
                wrong.append(f"{module} imports {target}")
    return sorted(wrong)


def test_lower_stages_never_import_higher_ones():
    wrong = _violations(_graph())
    assert not wrong, "\n".join(wrong)


def test_the_layer_checker_catches_an_upward_import():
    graph = {"analysis.core.config": {"analysis.present.style"}, "analysis.run.batch": {"analysis.core.periods"}}
    assert _violations(graph) == ["analysis.core.config imports analysis.present.style"]


def test_no_import_cycles():
    graph = _graph()
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
    """No function or class definitions, no loops over data, few lines: logic lives in the package.

    This holds for the report templates (``notebooks/*.ipynb``). Notebooks in ``notebooks/exploratory/``
    are an analyst's workbench and exempt; they are executed in a real kernel by
    tests/test_exploratory_notebooks.py so they keep working.
    """
    templates = sorted(NOTEBOOKS.glob("*.ipynb"))
    assert {p.name for p in templates} >= {"force_report.ipynb", "national_overview.ipynb"}
    for path in templates:
        code = [c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
        tree = ast.parse("\n".join(code))
        assert not [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.ClassDef, ast.Lambda))], path.name
        assert sum(len(c.splitlines()) for c in code) <= 40, f"{path.name} has grown: move logic into analysis"


# modules that read data files (or work on what they read); a present module that draws from a model imports none
DATA_LOADERS = ("analysis.sources", "analysis.compute.measures", "analysis.compute.disparity")
DATA_LOADERS += ("analysis.compute.measure_sections", "analysis.compute.report_model", "analysis.compute.measure_facts")
# present modules that take everything they show from a model they are given (issue 18)
MODEL_ONLY = ("present/national.py",)


def _loaders_imported(path: Path) -> list[str]:
    """The data loaders ``path`` imports, at the top or inside a function (the package uses absolute imports)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.update({node.module} | {f"{node.module}.{a.name}" for a in node.names})
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return sorted(m for m in found if m.startswith(DATA_LOADERS))


def _data_dir_names(path: Path) -> list[int]:
    """Lines that name a data folder (an argument or attribute ``data_dir``): a model-only module needs none."""
    tree = ast.parse(path.read_text())
    return sorted(
        node.lineno
        for node in ast.walk(tree)
        if (isinstance(node, ast.arg) and node.arg == "data_dir")
        or (isinstance(node, ast.Attribute) and node.attr == "data_dir")
        or (isinstance(node, ast.Name) and node.id == "data_dir")
    )


def test_model_only_present_modules_load_no_data():
    for rel in MODEL_ONLY:
        path = PACKAGE / rel
        assert not _loaders_imported(path), f"{rel} imports {_loaders_imported(path)}: draw from the Overview instead"
        assert not _data_dir_names(path), f"{rel} names a data folder on lines {_data_dir_names(path)}"


def test_the_loader_check_catches_a_chart_that_reads_data_again(tmp_path):
    module = tmp_path / "national.py"
    module.write_text(
        "def chart(o, data_dir=None):\n    from analysis.compute import disparity\n"
        "    return disparity.stop_search_disparity(data_dir)\n"
    )
    assert _loaders_imported(module) == ["analysis.compute.disparity"]
    assert _data_dir_names(module) == [1, 3]


# a quarter is parsed once where it enters (issue 22): the CLI, and Quarter.of at the other boundaries (the
# notebooks' first call, the analyst API, a file's quarter column); below them a Quarter is passed, never re-parsed
PARSERS = {"parse_quarter", "_parse_quarter_text"}
MAY_PARSE = ("core", "cli")


def _parser_uses(tree: ast.AST) -> list[int]:
    """Lines that call a quarter parser (a name or an attribute ``parse_quarter``), hand it on, or import it."""
    lines = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in PARSERS:
            lines.add(node.lineno)
        elif isinstance(node, ast.Attribute) and node.attr in PARSERS:
            lines.add(node.lineno)
        elif isinstance(node, ast.ImportFrom) and any(a.name in PARSERS for a in node.names):
            lines.add(node.lineno)
    return sorted(lines)


def _parser_violations(package: Path) -> list[str]:
    found = []
    for path in sorted(package.rglob("*.py")):
        if path.relative_to(package).parts[0] in MAY_PARSE:
            continue
        found += [f"{path.relative_to(package)}:{line}" for line in _parser_uses(ast.parse(path.read_text()))]
    return found


def test_only_core_and_cli_parse_a_quarter():
    wrong = _parser_violations(PACKAGE)
    assert not wrong, "parse_quarter outside core/ and cli/ (take a Quarter, or Quarter.of at a boundary):\n" + (
        "\n".join(wrong)
    )


def test_the_parser_check_catches_a_call_a_method_and_a_handed_on_parser(tmp_path):
    (tmp_path / "core").mkdir()
    (tmp_path / "compute").mkdir()
    (tmp_path / "core" / "periods.py").write_text("def parse_quarter(text):\n    return text\n")
    (tmp_path / "compute" / "model.py").write_text(
        "from analysis.core.periods import Quarter, parse_quarter\n"
        "def f(q, p, periods):\n"
        "    return parse_quarter(q), periods.parse_quarter(p), list(map(parse_quarter, periods)), Quarter.of(q)\n"
    )
    assert _parser_violations(tmp_path) == ["compute/model.py:1", "compute/model.py:3"]


def test_file_readers_under_sources_convert_quarters_at_the_boundary():
    """A reader of a file whose column holds a quarter id turns it into a Quarter with ``Quarter.of`` (which
    names the bad value), or with the Home Office layout's ``from_fy_q``; never by hand."""
    readers = {"trackers.py": "Quarter.of", "measure_files.py": "Quarter.of", "official_stats.py": "from_fy_q"}
    for name, converter in readers.items():
        tree = ast.parse((PACKAGE / "sources" / name).read_text())
        calls = {ast.unparse(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
        assert converter in calls, f"sources/{name} reads quarter ids without {converter}"
        assert not {"Quarter", "_parse_quarter_text"} & calls, f"sources/{name} builds a Quarter by hand"


# --------------------------------------------------------------------------- the audience is a type
# only the Audience type spells its values and labels; everything else asks audience.is_public / .label
AUDIENCE_HOME = "core/audience.py"
AUDIENCE_VALUES = {"public", "internal"}
AUDIENCE_LABEL = re.compile(r"^\W*(Public|Internal)\W*$")  # "Public", " · Internal": a label being built
TEMPLATE_AUDIENCE = re.compile(r"""==\s*['"](public|internal)['"]|['"](Public|Internal)['"]""")


def _audience_constants(node: ast.AST) -> list[str]:
    """String constants naming an audience in a comparison operand (also inside a tuple, list or set)."""
    items = node.elts if isinstance(node, (ast.Tuple, ast.List, ast.Set)) else [node]
    return [i.value for i in items if isinstance(i, ast.Constant) and i.value in AUDIENCE_VALUES]


def _audience_strings(source: str, where: str) -> list[str]:
    """Comparisons with "public"/"internal" and "Public"/"Internal" labels in one module's source."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare):
            named = [c for operand in (node.left, *node.comparators) for c in _audience_constants(operand)]
            found += [f"{where}:{node.lineno}: compares with {c!r}" for c in named]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and AUDIENCE_LABEL.match(node.value):
            found.append(f"{where}:{node.lineno}: builds the label {node.value!r}")
    return found


def audience_string_uses(package: Path = PACKAGE) -> list[str]:
    found = []
    for path in sorted(package.rglob("*.py")):
        where = path.relative_to(package).as_posix()
        if where != AUDIENCE_HOME:
            found += _audience_strings(path.read_text(encoding="utf-8"), where)
    for path in sorted((package / "templates").rglob("*.j2")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if TEMPLATE_AUDIENCE.search(line):
                found.append(f"{path.relative_to(package).as_posix()}:{number}: spells an audience")
    return found


def test_audiences_are_compared_and_labelled_only_by_their_type():
    found = audience_string_uses()
    assert not found, "use Audience (analysis.core.audience) instead:\n" + "\n".join(found)


def test_the_audience_check_catches_string_comparisons_and_labels():
    source = (
        'if audience == "public": pass\n'
        'ok = audience in ("internal", "public")\n'
        'label = "Public" if public else "Internal"\n'
        'banner = " · Public"\n'
        'fine = kind == "national" and "Public reports" != note\n'
    )
    assert sorted(_audience_strings(source, "m.py")) == sorted(
        [
            "m.py:1: compares with 'public'",
            "m.py:2: compares with 'internal'",
            "m.py:2: compares with 'public'",
            "m.py:3: builds the label 'Public'",
            "m.py:3: builds the label 'Internal'",
            "m.py:4: builds the label ' · Public'",
        ]
    )


def test_the_audience_check_fails_on_the_string_audiences_it_replaced(tmp_path):
    """The code before the Audience type, in miniature: each of its habits is caught."""
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "page.j2").write_text("{{ 'Public' if casey.get('audience') == 'public' else '' }}")
    (tmp_path / "batch.py").write_text('def relpath(audience):\n    return "public/" if audience == "public" else ""\n')
    (tmp_path / "site.py").write_text('LINKS = (("internal", "Internal"), ("public", "Public"))\n')
    assert audience_string_uses(tmp_path) == [
        "batch.py:2: compares with 'public'",
        "site.py:1: builds the label 'Internal'",
        "site.py:1: builds the label 'Public'",
        "templates/page.j2:1: spells an audience",
    ]


# ------------------------------------------------------------------ long functions
MAX_FUNCTION_LINES = 60
LONG_REASON = re.compile(r"#\s*long:\s*(\S+\s+){3,}\S")  # "# long: <why, in at least four words>"


def _long_functions_without_reason(package: Path, limit: int = MAX_FUNCTION_LINES) -> list[str]:
    """``module::function (N lines)`` for each function longer than ``limit`` lines (def to last line) with no
    ``# long: <reason>`` comment directly above it (above its decorators) or as the first comment in its body."""
    found = []
    for path in sorted(package.rglob("*.py")):
        lines = path.read_text().splitlines()
        for node in ast.walk(ast.parse("\n".join(lines))):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            length = node.end_lineno - node.lineno + 1
            if length <= limit:
                continue
            top = min([node.lineno] + [d.lineno for d in node.decorator_list])
            above = []
            for line in reversed(lines[: top - 1]):  # the comment block directly above
                if not line.strip().startswith("#"):
                    break
                above.append(line)
            body = lines[node.lineno : node.end_lineno]
            first_comment = next((line for line in body if line.strip().startswith("#")), "")
            if not any(LONG_REASON.search(line) for line in [*above, first_comment]):
                found.append(f"{path.relative_to(package).as_posix()}::{node.name} ({length} lines)")
    return found


def test_no_function_over_60_lines_without_a_reason():
    wrong = _long_functions_without_reason(PACKAGE)
    assert not wrong, "functions over 60 lines: split them, or say why above the def ('# long: ...'):\n" + (
        "\n".join(wrong)
    )


def test_the_length_check_reads_the_reason_above_the_def_or_in_its_first_comment(tmp_path):
    body = "".join(f"    x{i} = {i}\n" for i in range(61))
    (tmp_path / "m.py").write_text(
        f"def bare():\n{body}\n"
        f"# long: one table of cases, read top to bottom\ndef said_above():\n{body}\n"
        f"@staticmethod\ndef decorated():\n{body}\n"
        f"def said_inside():\n    # long: one table of cases, read top to bottom\n{body}\n"
        f"# long\ndef no_reason():\n{body}\n"
        "def short():\n    return 1\n"
    )
    assert _long_functions_without_reason(tmp_path) == [
        "m.py::bare (62 lines)",
        "m.py::decorated (62 lines)",
        "m.py::no_reason (62 lines)",
    ]


# ------------------------------------------------------------------ private names stay in their module
def _private_imports(package: Path) -> list[str]:
    """``module:line: name`` for each ``from analysis.x import _name`` in the package (``__version__`` aside)."""
    found = []
    for path in sorted(package.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("analysis"):
                found += [
                    f"{path.relative_to(package).as_posix()}:{node.lineno}: {alias.name}"
                    for alias in node.names
                    if alias.name.startswith("_") and not alias.name.startswith("__")
                ]
    return found


def test_no_module_imports_another_modules_private_name():
    wrong = _private_imports(PACKAGE)
    assert not wrong, "give a helper another module needs a public name where it belongs:\n" + "\n".join(wrong)


def test_the_private_import_check_catches_one(tmp_path):
    (tmp_path / "run.py").write_text(
        "from analysis.run.batch.plan import _sha, plan\nfrom analysis import __version__\nfrom os import _exit\n"
    )
    assert _private_imports(tmp_path) == ["run.py:1: _sha"]


# --------------------------------------------------------------------------- HTML from templates (issue 22.4)
MARKUP_STAGES = ("present", "run")  # the stages that write pages; their markup lives in templates/pieces/
HTML_TAGS = (
    "a|article|aside|b|body|br|button|caption|code|dd|details|div|dl|dt|em|figcaption|figure|footer|form|h[1-6]|"
    "head|header|html|i|iframe|img|input|label|li|link|main|meta|nav|ol|option|p|pre|script|section|select|span|"
    "strong|style|summary|svg|table|tbody|td|textarea|th|thead|tr|u|ul"
)
HTML_TAG = re.compile(rf"</?(?:{HTML_TAGS})(?=[\s>/])", re.IGNORECASE)
# markup still written in Python, each with its reason (path under src/analysis, the literal)
HTML_ALLOWED = {
    # a fixed cell with no data in it; site_index.py is left as it is while the typed Audience lands there
    ("run/site_index.py", '<span class="muted">all forces</span>'),
}


def _docstrings(tree: ast.AST) -> set[int]:
    nodes = (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
    return {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, nodes) and node.body and isinstance(node.body[0], ast.Expr)
    }


def _markup_findings(tree: ast.AST, path: str) -> list[str]:
    """Hand-built HTML: a string literal (an f-string's parts too; docstrings apart) holding an HTML tag, a call
    of ``esc`` or an import of ``htmltext`` (the hand escaper the templates replaced)."""
    docs, found = _docstrings(tree), []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs:
            if HTML_TAG.search(node.value) and (path, node.value) not in HTML_ALLOWED:
                found.append(f"{path}:{node.lineno}: HTML in a string: {node.value[:60]!r}")
        elif isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None)) == "esc":
            found.append(f"{path}:{node.lineno}: esc() (render a template, or pass text to claimed)")
        elif isinstance(node, ast.Import | ast.ImportFrom):
            modules = [a.name for a in node.names] + [getattr(node, "module", None) or ""]
            if any("htmltext" in m for m in modules):
                found.append(f"{path}:{node.lineno}: imports htmltext")
    return found


def _markup_violations(package: Path) -> list[str]:
    found = []
    for stage in MARKUP_STAGES:
        for path in sorted((package / stage).rglob("*.py")):
            found += _markup_findings(ast.parse(path.read_text()), path.relative_to(package).as_posix())
    return found


def test_present_and_run_build_no_html_in_python_strings():
    """Markup is read as markup in ``templates/pieces/`` and escaped by the one autoescaping environment
    (``present/templating.py``); the code before issue 22.4 had 248 findings here (107 ``esc``/``htmltext``)."""
    wrong = _markup_violations(PACKAGE)
    assert not wrong, "HTML built in Python (move it into a template under templates/pieces/):\n" + "\n".join(wrong)


def test_the_markup_check_catches_a_tag_an_escaper_and_its_import(tmp_path):
    (tmp_path / "present").mkdir()
    (tmp_path / "run").mkdir()
    (tmp_path / "present" / "piece.py").write_text(
        '"""A docstring may say <p> and <name>."""\n'
        "from analysis.present.htmltext import esc\n"
        "def f(x):\n"
        "    '''<td> in a docstring is fine'''\n"
        "    return f\"<td class='x'>{esc(x)}</td>\" + '<name> is not a tag' + 'a < b'\n"
    )
    (tmp_path / "run" / "page.py").write_text("import analysis.present.htmltext\nSTRIP = '<strong>x</strong>'\n")
    found = _markup_violations(tmp_path)
    assert sorted(": ".join(f.split(": ")[:2])[:40] for f in found) == [
        "present/piece.py:2: imports htmltext",
        "present/piece.py:5: HTML in a string",  # "<td class='x'>" and "</td>", the f-string's two parts
        "present/piece.py:5: HTML in a string",
        "present/piece.py:5: esc() (render a temp",
        "run/page.py:1: imports htmltext",
        "run/page.py:2: HTML in a string",
    ], found
