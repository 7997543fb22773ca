"""The layers hold: lower apps never import higher ones, and the domain modules form no import cycle.

core → accounts → customers → tickets → notify → the rest (docs/architecture.md). The imports are
read from the source (every `import`, at the top or inside a function), so a lazy import that
dodges a cycle at run time is still caught. Pages and the API (api, views, forms, admin, urls,
consumers, template tags, management commands) compose any apps and are left out. That core imports
no Kefu app at all, migrations included, is tests/core/test_layers.py's.
"""

import ast
from pathlib import Path

import pytest

import kefu

SRC = Path(kefu.__file__).parent
LAYERS = ["core", "accounts", "customers", "tickets", "notify"]
# Modules that put apps together for people: they may import any app of any layer.
COMPOSING = {"api", "views", "forms", "admin", "urls", "apps", "consumers", "templatetags", "management"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path, package: str | None = None) -> set[str]:
    """Every kefu module `path` imports, anywhere in the file (relative imports resolved in `package`)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    if package is None:
        package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module or ""
            found.add(target)
            # `from kefu.tickets import workflow` imports the module kefu.tickets.workflow.
            found.update(f"{target}.{alias.name}" for alias in node.names)
    return {name for name in found if name == "kefu" or name.startswith("kefu.")}


def app_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def is_domain(path: Path) -> bool:
    rel = path.relative_to(SRC).parts
    return "migrations" not in rel and not (set(rel) & COMPOSING or path.stem in COMPOSING)


def sources(app: str):
    return sorted(p for p in (SRC / app).rglob("*.py") if "migrations" not in p.parts)


def existing_modules() -> set[str]:
    return {module_name(p) for p in SRC.rglob("*.py")}


@pytest.mark.parametrize("app", LAYERS[1:])
def test_domain_modules_import_no_higher_layer(app):
    rank = LAYERS.index(app)
    # What an app may reach: its own layer and those below it, and the project's shared settings.
    allowed = set(LAYERS[: rank + 1]) | {"", "settings"}
    offending = {
        module_name(path): sorted(name for name in imports_of(path) if app_of(name) not in allowed)
        for path in sources(app)
        if is_domain(path)
    }
    offending = {module: names for module, names in offending.items() if names}
    assert not offending, f"{app} reaches above its layer: {offending}"


def test_the_domain_modules_form_no_import_cycle():
    """Of any app: services enqueue with kefu.core.tasks.run_later instead of importing their tasks."""
    modules = existing_modules()
    domain = [path for path in SRC.rglob("*.py") if is_domain(path)]
    graph: dict[str, set[str]] = {module_name(path): set() for path in domain}
    for path in domain:
        name = module_name(path)
        for target in imports_of(path) & modules:
            # A package's own __init__ re-exporting its modules is not a cycle of theirs.
            if target in graph and target != name and not name.startswith(f"{target}."):
                graph[name].add(target)
    cycles = [sorted(component) for component in strongly_connected(graph) if len(component) > 1]
    assert not cycles, f"import cycles among domain modules: {cycles}"


def strongly_connected(graph: dict[str, set[str]]) -> list[set[str]]:
    """Tarjan's algorithm, iterative (the graph has a few hundred nodes)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []
    counter = 0
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.add(member)
                        if member == node:
                            break
                    components.append(component)
    return components


def test_the_checker_sees_lazy_and_relative_imports_and_cycles(tmp_path):
    """The reader finds imports inside functions and relative ones, so the checks above can fail."""
    module = tmp_path / "x.py"
    module.write_text("def f():\n    from kefu.notify.services import notify\n\nfrom ..notify import staff\n")
    found = imports_of(module, package="kefu.tickets")
    assert {"kefu.notify.services", "kefu.notify.staff"} <= found
    components = sorted(sorted(c) for c in strongly_connected({"a": {"b"}, "b": {"a"}, "c": {"a"}}))
    assert components == [["a", "b"], ["c"]]
