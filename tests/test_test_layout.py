"""The tests' own layout: every helper two test modules share lives in ``tests/support``,
and a test module (or a conftest) imports helpers from there only, never from another test
module's file. A reader finds every helper in one place, and moving a test never breaks
another."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

pytestmark = pytest.mark.pure

TESTS = Path(__file__).resolve().parent
SUPPORT = "tests.support"
#: Helper modules left outside tests/support, and why. Each only re-exports from it.
SHIMS: dict[str, str] = {}


def module_name(path: Path) -> str:
    relative = path.relative_to(TESTS.parent).with_suffix("")
    parts = relative.parts[:-1] if relative.name == "__init__" else relative.parts
    return ".".join(parts)


def imported(path: Path, source: str | None = None) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import in the file (or in ``source``, read as
    that file), relative ones resolved; ``from package import name`` counts as
    ``package.name`` (it may be a module)."""
    tree = ast.parse(path.read_text() if source is None else source, str(path))
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
    return found


def python_files() -> list[Path]:
    return sorted(path for path in TESTS.rglob("*.py") if "__pycache__" not in path.parts)


def shared_place(name: str) -> bool:
    return name == SUPPORT or name.startswith(f"{SUPPORT}.")


def test_modules_import_helpers_only_from_tests_support() -> None:
    wrong = [f"{path.relative_to(TESTS.parent)}:{line} imports {name}"
             for path in python_files() for line, name in imported(path)
             if (name == "tests" or name.startswith("tests.")) and not shared_place(name)]
    assert wrong == [], "import these from tests.support instead:\n" + "\n".join(wrong)


def test_every_helper_module_lives_in_tests_support() -> None:
    helpers = [path.relative_to(TESTS.parent).as_posix() for path in python_files()
               if not path.name.startswith("test_")
               and path.name not in ("conftest.py", "__init__.py")
               and TESTS / "support" not in path.parents]
    assert sorted(set(helpers) - SHIMS.keys()) == [], "move these helpers to tests/support"
    for shim in SHIMS:
        tree = ast.parse((TESTS.parent / shim).read_text())
        assert all(isinstance(node, ast.ImportFrom | ast.Assign | ast.Expr) for node in tree.body)
        assert all(shared_place(name) for _line, name in imported(TESTS.parent / shim)
                   if name.startswith("tests")), shim


def test_the_check_sees_what_it_must_refuse() -> None:
    """The parser finds each form of import a test could reach another test module with."""
    source = ("import tests.e2e.conftest\nfrom tests.workflows import test_replay\n"
              "from . import conftest\nfrom ..support.harness import Harness\n")
    names = [name for _line, name in imported(TESTS / "api" / "test_sample.py", source)]
    assert names == ["tests.e2e.conftest", "tests.workflows.test_replay", "tests.api.conftest",
                     "tests.support.harness.Harness"]
    assert [shared_place(name) for name in names] == [False, False, False, True]

