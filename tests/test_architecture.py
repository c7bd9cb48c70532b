"""The house stays clean: layers import downwards only, no import circles, a pure core.

Reads the import graph of `bot/` with `ast` (imports under `if TYPE_CHECKING:` are types
only and do not count), so a newcomer who adds an upward import or a circle finds out from
the test suite rather than from a confusing ImportError at start-up.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parents[1] / "bot"

# Lower number = lower layer. A module may import its own layer and the ones below it.
LAYERS: dict[str, int] = {"core": 0, "storage": 1, "services": 2, "chat": 3}
TOP = 4  # bot/app.py, bot/config.py, bot/cli/: the entry points
FORBIDDEN_IN_CORE = ("telegram", "aiosqlite", "sqlite3", "sqlalchemy", "asyncpg", "psycopg")
TELEGRAM_ONLY_IN = {"chat", "top"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(BOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer_of(module: str) -> int:
    parts = module.split(".")
    if len(parts) < 2:
        return TOP
    return LAYERS.get(parts[1], TOP)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports_of(path: Path) -> set[str]:
    """Every module `path` imports at run time (absolute names; relative ones resolved)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                for other in child.orelse:
                    visit(other)
                continue
            if isinstance(child, ast.Import):
                found.update(alias.name for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    anchor = package.split(".")
                    anchor = anchor[: len(anchor) - (child.level - 1)]
                    base = ".".join([*anchor, base] if base else anchor)
                found.add(base)
                # `from bot.core import planner` imports the module bot.core.planner
                found.update(f"{base}.{alias.name}" for alias in child.names)
            visit(child)

    visit(tree)
    return found


def graph() -> dict[str, set[str]]:
    modules = {module_name(p): p for p in BOT.rglob("*.py")}
    edges: dict[str, set[str]] = {}
    for name, path in modules.items():
        edges[name] = {m for m in imports_of(path) if m in modules and m != name}
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0

    def strong(node: str) -> None:
        nonlocal counter
        index[node] = low[node] = counter
        counter += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in edges.get(node, ()):
            if nxt not in index:
                strong(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                item = stack.pop()
                on_stack.discard(item)
                component.append(item)
                if item == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            strong(node)
    return found


def test_graph_sees_the_layers() -> None:
    edges = graph()
    assert "bot.core.planner" in edges and "bot.chat.handlers.tracking" in edges
    assert "bot.core.models" in edges["bot.core.planner"]


def test_no_import_circles() -> None:
    assert cycles(graph()) == []


def test_lower_layers_never_import_upper_ones() -> None:
    wrong = [
        f"{name} imports {target}"
        for name, targets in sorted(graph().items())
        for target in sorted(targets)
        if layer_of(target) > layer_of(name)
    ]
    assert wrong == []


@pytest.mark.parametrize("layer", ["core", "storage", "services"])
def test_only_the_chat_layer_and_entry_points_import_telegram(layer: str) -> None:
    forbidden = ("telegram",) if layer != "core" else FORBIDDEN_IN_CORE
    wrong = [
        f"{module_name(path)} imports {imported}"
        for path in sorted((BOT / layer).rglob("*.py"))
        for imported in sorted(imports_of(path))
        if imported.split(".")[0] in forbidden
    ]
    assert wrong == []


def test_the_checker_finds_a_circle_and_an_upward_import() -> None:
    """The rules above would pass vacuously if the checker saw nothing: prove it can fail."""
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert layer_of("bot.chat.handlers.plans") > layer_of("bot.services.plans")
    assert layer_of("bot.app") > layer_of("bot.chat.handlers")
    assert layer_of("bot.core.labs") < layer_of("bot.storage.tracking")


def registered_commands() -> dict[str, set[str]]:
    """command -> the handler modules that register it, read from the real application."""
    from telegram.ext import ApplicationBuilder, CommandHandler

    from bot.chat.handlers import register

    application = ApplicationBuilder().token("123456:" + "A" * 35).build()
    register(application)
    found: dict[str, set[str]] = {}
    for group in application.handlers.values():
        for handler in group:
            if isinstance(handler, CommandHandler):
                for command in handler.commands:
                    found.setdefault(command, set()).add(handler.callback.__module__)
    return found


def readme_command_table() -> dict[str, str]:
    """command -> handler module, from the README's Layout table."""
    import re

    readme = (BOT.parent / "README.md").read_text(encoding="utf-8")
    layout = readme.split("## Layout", 1)[1].split("\n## ", 1)[0]
    table: dict[str, str] = {}
    for line in layout.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 2 or not cells[1].startswith("`bot/"):
            continue
        module = cells[1].strip("`").removesuffix(".py").replace("/", ".")
        for command in re.findall(r"`/(\w+)`", cells[0]):
            table[command] = module
    return table


ALIASES = {"tz", "zone"}  # other names of /timezone


def test_readme_layout_says_where_every_command_is_handled() -> None:
    """A newcomer looking for /levels finds its handler module in one step."""
    registered = registered_commands()
    table = readme_command_table()
    assert set(registered) - ALIASES <= set(table), "commands missing from the README Layout"
    wrong = {c: m for c, m in table.items() if m not in registered.get(c, set())}
    assert wrong == {}, "README Layout names a module that does not handle the command"
