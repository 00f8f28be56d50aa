"""Imports point one way: the ground floor (voxsite.core) <- catalog <- orders, crm <- support <- the
composition (the rest of voxsite: settings, urls, asgi, celery, the demo seed, commands).

Every non-test module is parsed with `ast`: imports at the top, inside functions and classes, and
`importlib.import_module("...")` with a literal name. Settings are read through django.conf.settings,
so nothing below the composition imports voxsite.settings."""

import ast
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("voxsite", "catalog", "orders", "crm", "support")

# Which floors each floor may import. orders and crm share a floor: an order belongs to a CRM customer
# (orders.models -> crm.models) and the customer page lists their orders (crm.admin -> orders.models).
ALLOWED = {
    "core": {"core"},
    "catalog": {"core", "catalog"},
    "orders": {"core", "catalog", "orders", "crm"},
    "crm": {"core", "catalog", "orders", "crm"},
    "support": {"core", "catalog", "orders", "crm", "support"},
    "composition": {"core", "catalog", "orders", "crm", "support", "composition"},
}

# Imports that break the rule today, each with why it is still there. An entry that no longer matches
# an import fails test_every_exception_is_still_needed, so the list only shrinks.
EXCEPTIONS = {
    ("support.desk.live", "voxsite.asgi_http"): "the HTTP server's event loop, for live events (server_loop() "
                                                 "could move to voxsite/core)",
}


def floor_of(module: str) -> str | None:
    """The floor a project module is on; None outside the project (Django, the standard library...)."""
    parts = module.split(".")
    if parts[0] not in PACKAGES:
        return None
    if parts[0] == "voxsite":
        return "core" if parts[1:2] == ["core"] else "composition"
    return parts[0]


def is_test_module(path: Path) -> bool:
    return "tests" in path.parts or path.name.startswith("test_") or path.name == "conftest.py"


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_module(name: str, root: Path) -> bool:
    base = root.joinpath(*name.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def imports_of(path: Path, root: Path):
    """(line, imported module, the import as written) for every import in the file."""
    module = module_name(path, root)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, ast.unparse(node)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1])
                source = f"{base}.{node.module}" if node.module else base
            else:
                source = node.module
            for alias in node.names:
                # `from voxsite.core import metrics` imports the module voxsite.core.metrics.
                submodule = f"{source}.{alias.name}"
                yield node.lineno, submodule if is_module(submodule, root) else source, ast.unparse(node)
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "import_module"
              and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            yield node.lineno, node.args[0].value, ast.unparse(node)


def layer_violations(root: Path, exceptions=()) -> list[str]:
    found = []
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            if is_test_module(path.relative_to(root)):
                continue
            importer = module_name(path, root)
            floor = floor_of(importer)
            for line, imported, written in imports_of(path, root):
                target = floor_of(imported)
                if target is None or target in ALLOWED[floor] or (importer, imported) in exceptions:
                    continue
                found.append(f"{path.relative_to(root)}:{line}: `{written}`: {floor} ({importer}) may import "
                             f"only {', '.join(sorted(ALLOWED[floor]))}, not {target} ({imported})")
    return found


def test_imports_point_down_the_floors():
    violations = layer_violations(ROOT, EXCEPTIONS)
    assert not violations, "Imports against the floors (voxsite/tests/test_layers.py):\n" + "\n".join(violations)


def test_every_exception_is_still_needed():
    used = {
        (module_name(path, ROOT), imported)
        for package in PACKAGES for path in (ROOT / package).rglob("*.py") if not is_test_module(path.relative_to(ROOT))
        for _, imported, _ in imports_of(path, ROOT)
    }
    assert sorted(set(EXCEPTIONS) - used) == []


def test_a_planted_violation_is_named_with_its_module_line_and_import(tmp_path):
    files = {
        "voxsite/__init__.py": "",
        "voxsite/settings.py": "",
        "voxsite/core/__init__.py": "",
        "voxsite/core/errors.py": "from django.conf import settings\n",
        "voxsite/core/tests/test_x.py": "import support.models\n",  # tests may import anything
        "catalog/__init__.py": "",
        "catalog/selectors.py": """
            from voxsite.core.errors import NotFound

            def product_get():
                from support.models import Conversation
                return Conversation
        """,
        "crm/__init__.py": "",
        "crm/models.py": "from voxsite import settings\n",
        "orders/__init__.py": "",
        "orders/admin.py": "import importlib\nAudit = importlib.import_module('support.services')\n",
        "support/__init__.py": "",
        "support/services.py": "from orders.admin import Audit\nfrom .models import x\n",
        "support/models.py": "from voxsite.core.errors import NotFound\n",
        "voxsite/core/api.py": "from ..settings import DEBUG\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(textwrap.dedent(text))

    assert layer_violations(tmp_path) == [
        "voxsite/core/api.py:1: `from ..settings import DEBUG`: core (voxsite.core.api) may import only core, "
        "not composition (voxsite.settings)",
        "catalog/selectors.py:5: `from support.models import Conversation`: catalog (catalog.selectors) may import "
        "only catalog, core, not support (support.models)",
        "orders/admin.py:2: `importlib.import_module('support.services')`: orders (orders.admin) may import only "
        "catalog, core, crm, orders, not support (support.services)",
        "crm/models.py:1: `from voxsite import settings`: crm (crm.models) may import only catalog, core, crm, "
        "orders, not composition (voxsite.settings)",
    ]
