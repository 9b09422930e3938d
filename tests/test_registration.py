"""Every restful/reactive file's function is registered in its system's route or event table, and reachable in every shape."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import String
from werkzeug.test import Client

from federation.function_shape import find_function, function_names
from federation.runtime_models import InboxMessage
from federation.serving import function_app, one_process_app
from federation.systems import SYSTEMS, load_system, load_systems

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


@pytest.fixture
def shape_config(tmp_path) -> dict:
    """App settings for building the shapes' apps (nothing is served)."""
    return {"SCS_DATA_DIR": str(tmp_path), "TESTING": True}


@pytest.mark.parametrize("path", function_files("restful"), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_restful_function_is_served_alone_by_its_function_shape(path: Path, shape_config):
    system = load_system(path.relative_to(ROOT).parts[1])
    app = function_app(find_function(system, path.stem), shape_config)
    served = {rule.endpoint for rule in app.url_map.iter_rules() if not rule.build_only}
    linked = {rule.endpoint for rule in app.url_map.iter_rules() if rule.build_only}
    others = {route.endpoint for route in system.routes} - {path.stem}
    assert path.stem in served
    assert not served & others and linked == others  # the others 404 here, yet templates can link to them


@pytest.mark.parametrize("path", function_files("reactive"), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_reactive_function_is_consumed_alone_by_its_function_shape(path: Path):
    system = load_system(path.relative_to(ROOT).parts[1])
    handler = function_of(path)
    function = find_function(system, f"{path.parts[-3]}.{path.stem}")
    expected = {event_type for event_type, handlers in system.event_handlers.items() if handler in handlers}
    assert function.system.event_handlers == dict.fromkeys(expected, (handler,))
    assert function.name in function_names(system)
    column = InboxMessage.__table__.c.consumer.type
    assert isinstance(column, String) and len(function.consumer_name) <= (column.length or 0)  # its inbox rows fit


def test_the_one_process_shape_serves_every_restful_function_on_its_systems_port(shape_config):
    dispatcher = one_process_app(load_systems(), shape_config)
    apps = {port: app for port, app in dispatcher.apps.items() if isinstance(app, Flask)}
    by_system = {app.extensions["scs"].system.name: (port, app) for port, app in apps.items()}
    assert set(by_system) == set(SYSTEMS)
    for system in load_systems():
        port, app = by_system[system.name]
        assert {route.endpoint for route in system.routes} <= set(app.view_functions)
        answer = Client(dispatcher).get("/healthz", base_url=f"http://localhost:{port}")
        assert answer.json == {"status": "ok", "system": system.name}
