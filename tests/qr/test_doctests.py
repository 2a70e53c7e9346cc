"""The examples in the qr library's docstrings are tests too: a wrong example fails the suite."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import integrations
import qr


def _modules(package: object) -> list[str]:
    name = package.__name__  # type: ignore[attr-defined]
    found = [name]
    for info in pkgutil.walk_packages(package.__path__, prefix=f"{name}."):  # type: ignore[attr-defined]
        if not info.name.endswith("__main__"):
            found.append(info.name)
    return found


MODULES = _modules(qr) + _modules(integrations)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS, verbose=False)
    assert result.failed == 0, f"{result.failed} docstring example(s) failed in {name}"


def test_the_examples_exist():
    counts = {n: doctest.testmod(importlib.import_module(n)).attempted for n in ("qr", "qr.parse", "qr.tlv")}
    assert all(counts.values()), counts
