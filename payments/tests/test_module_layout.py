"""The house's layout rules that code review keeps missing: a docstring on every module, every
permission class in ``payments.api.permissions``, and no ORM query written in a view."""

import ast
import inspect
import pkgutil
from importlib import import_module
from pathlib import Path

from rest_framework.permissions import BasePermission

import payments
import payments.api

PACKAGE = Path(payments.__file__).parent


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        if "migrations" not in path.relative_to(PACKAGE).parts:
            yield path


def test_every_module_of_the_app_has_a_docstring():
    missing = [
        str(path.relative_to(PACKAGE.parent))
        for path in _modules()
        if not ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert len(list(_modules())) > 100  # the walk found the app
    assert missing == []


def _api_modules():
    for info in pkgutil.iter_modules(payments.api.__path__):
        yield import_module(f"payments.api.{info.name}")


def test_every_permission_class_is_defined_in_the_permissions_module():
    defined_elsewhere = [
        f"{module.__name__}.{name}"
        for module in _api_modules()
        for name, value in vars(module).items()
        if inspect.isclass(value)
        and issubclass(value, BasePermission)
        and value.__module__ == module.__name__
        and module.__name__ != "payments.api.permissions"
    ]
    assert defined_elsewhere == []
    assert hasattr(import_module("payments.api.permissions"), "IsPerson")


# The resource modules: views and their serializers. Reads go through selectors.
RESOURCES = ("sessions", "refunds", "payment_methods", "people_payments", "connect", "tokens")


def _is_lookup_of_a_model(node: ast.AST) -> bool:
    if not (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "get_object_or_404"):
        return False
    first = node.args[0]
    return isinstance(first, ast.Name) and first.id[:1].isupper()


def test_the_api_views_query_through_selectors_not_the_orm():
    offenders = []
    for name in RESOURCES:
        source = (PACKAGE / "api" / f"{name}.py").read_text(encoding="utf-8")
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Attribute) and node.attr == "objects":
                offenders.append(f"api/{name}.py:{node.lineno}")
            # get_object_or_404(Model, ...) is a query too: it takes a selector's queryset.
            if _is_lookup_of_a_model(node):
                offenders.append(f"api/{name}.py:{node.lineno}")
    assert offenders == []
