"""The shared kernel stays at the bottom: no module of kefu.core imports a Kefu app, not even inside a
function or a migration (an app plugs into core through kefu.core.registry instead)."""

import ast
from pathlib import Path

import kefu.core

CORE = Path(kefu.core.__file__).resolve().parent


def kefu_imports(path: Path) -> set[str]:
    """Every kefu.* module `path` imports, wherever the import statement stands."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names if node.module == "kefu")
    return {name for name in names if name == "kefu" or name.startswith("kefu.")}


def test_core_imports_no_kefu_app():
    offenders = {
        str(path.relative_to(CORE)): sorted(n for n in kefu_imports(path) if not n.startswith("kefu.core"))
        for path in sorted(CORE.rglob("*.py"))
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def test_the_import_reader_sees_imports_inside_functions(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from kefu.tickets.models import Ticket\n    import kefu.notify\n")

    assert kefu_imports(module) == {"kefu.tickets.models", "kefu.notify"}
