"""The house rules that keep the code easy to change, checked on every run.

The dependency direction between apps is import-linter's job (`make test` runs
`lint-imports` with the contracts in pyproject.toml); these tests add what it
does not say: no import cycle at all between project modules (imports inside
functions count), no module over 500 lines, and no ORM query in a view."""

import ast
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ("practice", "clients", "subscriptions", "imports", "billing", "webhooks", "api")
MAX_LINES = 500
MANAGERS = {"objects", "unscoped", "_default_manager", "_base_manager"}


def _sources():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


VIEW_HELPERS = {"pages", "web", "context_processors"}


def _is_view_module(path: Path) -> bool:
    """Views, the modules that build their pages, and the API's endpoints."""
    parts = path.parent.relative_to(ROOT).parts
    return (
        path.stem.endswith("views")
        or path.stem in VIEW_HELPERS
        or "views" in parts
        or "endpoints" in parts
    )


def _strongly_connected(graph, modules):
    """Tarjan's algorithm, iterative: the groups of modules that import each other."""
    index, low, on_stack, stack, groups = {}, {}, set(), [], []
    counter = 0
    for start in sorted(modules):
        if start in index:
            continue
        work = [(start, iter(sorted(graph.find_modules_directly_imported_by(start) & modules)))]
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
                    imported = graph.find_modules_directly_imported_by(child) & modules
                    work.append((child, iter(sorted(imported))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    groups.append(sorted(group))
    return groups


def test_no_import_cycle_between_project_modules():
    graph = grimp.build_graph(*APPS, include_external_packages=False, cache_dir=None)
    modules = {m for m in graph.modules if ".migrations" not in m}
    assert _strongly_connected(graph, modules) == []


def test_the_cycle_finder_finds_a_cycle():
    """The check above would pass on any graph if the finder were broken."""
    graph = grimp.ImportGraph()
    for name in ("a", "a.x", "a.y", "a.z"):
        graph.add_module(name)
    graph.add_import(importer="a.x", imported="a.y")
    graph.add_import(importer="a.y", imported="a.x")
    graph.add_import(importer="a.z", imported="a.x")
    assert _strongly_connected(graph, {"a.x", "a.y", "a.z"}) == [["a.x", "a.y"]]


@pytest.mark.parametrize("path", list(_sources()), ids=lambda p: str(p.relative_to(ROOT)))
def test_module_is_at_most_500_lines(path):
    assert len(path.read_text(encoding="utf-8").splitlines()) <= MAX_LINES


def _manager_uses(path: Path, root: Path = ROOT) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        f"{path.relative_to(root)}:{node.lineno} .{node.attr}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr in MANAGERS
    ]


def test_views_run_no_orm_query():
    """Views parse input, call a service or selector and render; lookups by id go
    through access_<thing>_by_id helpers that 404 alike for missing and foreign."""
    views = [path for path in _sources() if _is_view_module(path)]
    assert len(views) >= 5
    assert any("endpoints" in path.parts for path in views)
    assert [use for path in views for use in _manager_uses(path)] == []


def test_the_orm_check_sees_a_manager(tmp_path):
    sample = tmp_path / "views.py"
    sample.write_text("def v(request):\n    return Client.objects.filter(pk=1)\n")
    assert _manager_uses(sample, root=tmp_path) == ["views.py:2 .objects"]
