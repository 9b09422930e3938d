"""Every restful/reactive file's function is registered in its system's route or event table (explicit, checked)."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from federation.systems import load_system

ROOT = Path(__file__).resolve().parents[1]


def function_files(kind: str) -> list[Path]:
    """Files of one kind (restful or reactive) in every resource group of every system."""
    return sorted(p for p in (ROOT / "systems").glob(f"*/*/{kind}/*.py") if p.name != "__init__.py")


def function_of(path: Path):
    """The function a file is named after (one function per file)."""
    module = importlib.import_module(".".join(path.relative_to(ROOT).with_suffix("").parts))
    assert hasattr(module, path.stem), f"{path.relative_to(ROOT)} must define a function named {path.stem}"
    return getattr(module, path.stem)


@pytest.mark.parametrize("path", function_files("restful"), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_restful_function_is_in_the_route_table(path: Path):
    system = load_system(path.relative_to(ROOT).parts[1])
    assert function_of(path) in [route.view for route in system.routes], f"{path.stem} is not in any route table"


@pytest.mark.parametrize("path", function_files("reactive"), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_reactive_function_is_in_the_event_table(path: Path):
    system = load_system(path.relative_to(ROOT).parts[1])
    registered = [handler for handlers in system.event_handlers.values() for handler in handlers]
    assert path.stem.startswith("on_"), f"reactive functions are named on_<event>: {path.name}"
    assert function_of(path) in registered, f"{path.stem} is not in any event table"
