"""The dependency rule of docs/architecture.md, enforced: a module imports only from its own
layer or the layers below it. Every import statement of every module counts, also those inside
functions; a failure names the file, the line and the two layers."""

import ast
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)

# Lowest first. The longest matching prefix decides a module's layer.
LAYERS = (
    ("smt.lib", 0),
    ("notifications", 1),
    ("accounts", 2),
    ("usage", 3),
    ("agreements", 4),
    ("han", 5),
    ("smt.api", 6),
    ("smt", 7),
)
PACKAGES = ("smt", "notifications", "accounts", "usage", "agreements", "han")


def layer_of(module: str) -> tuple[str, int] | None:
    """The layer a dotted module name belongs to, or None for Django and other libraries."""
    for prefix, rank in sorted(LAYERS, key=lambda layer: -len(layer[0])):
        if module == prefix or module.startswith(prefix + "."):
            return prefix, rank
    return None


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(tree: ast.AST, module: str, is_package: bool):
    """(line, imported module) for every import in the tree, relative ones resolved."""
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            if node.module is None or node.level:
                # `from . import x` / `from .pkg import x` may name submodules: check each.
                for alias in node.names:
                    yield node.lineno, f"{base}.{alias.name}" if base else alias.name
            else:
                yield node.lineno, base


def violations(source: str, *, module: str, path: str, is_package: bool = False) -> list[str]:
    """Every import in `source` that reaches above the importing module's layer."""
    own = layer_of(module)
    if own is None:
        return []
    found = []
    for line, target in imported_modules(ast.parse(source), module, is_package):
        theirs = layer_of(target)
        if theirs and theirs[1] > own[1]:
            found.append(
                f"{path}:{line}: {module} ({own[0]}) imports {target} ({theirs[0]}), a higher layer"
            )
    return found


def portal_modules():
    for package in PACKAGES:
        yield from sorted((ROOT / package).rglob("*.py"))


def test_no_module_imports_a_higher_layer():
    found = []
    for path in portal_modules():
        found += violations(
            path.read_text(),
            module=module_name(path),
            path=str(path.relative_to(ROOT)),
            is_package=path.name == "__init__.py",
        )
    assert not found, "Imports that break the layers of docs/architecture.md:\n" + "\n".join(found)


def test_every_app_is_in_a_layer():
    for path in portal_modules():
        assert layer_of(module_name(path)) is not None, path


@pytest.mark.parametrize(
    ("module", "source", "broken"),
    [
        ("usage.services.odr", "from agreements.models import Agreement\n", True),
        ("usage.services.odr", "def f():\n    from agreements import selectors\n", True),
        ("smt.lib.listing", "import accounts.models\n", True),
        ("accounts.views", "from smt.views import home\n", True),
        ("accounts.views", "from smt.api.common.errors import ApiError\n", True),
        ("usage.views.odr", "from ..services import odr\n", False),
        ("usage.services.odr", "from accounts.models import Tdsp\n", False),
        ("smt.api.tdsp.views", "from usage.tdsp import files\n", False),
        ("smt.urls", "from smt.api.compat import urls\n", False),
        ("agreements.views", "from smt.lib.errors import Refused\n", False),
    ],
)
def test_the_checker_names_what_breaks_the_rule(module, source, broken):
    found = violations(source, module=module, path="example.py")
    assert bool(found) is broken, found
    if broken:
        assert found[0].startswith("example.py:")
