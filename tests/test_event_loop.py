"""Everything a request calls runs on the event loop. FastAPI hands a plain ``def`` dependency or
endpoint to its thread pool: for a one-line dependency that is a thread hand-off and a wait for
the GIL on every request, behind whatever the loop is doing — the runtime look-up every route
depends on was one, and cost the process more than some of the intake's statements."""

import inspect

import pytest
from fastapi.routing import APIRoute, iter_route_contexts

from qlstack.services import SERVICE_NAMES, service_module


def _on_the_loop(call) -> bool:
    target = call if inspect.isroutine(call) else type(call).__call__  # a dependency instance: its __call__
    return inspect.iscoroutinefunction(target) or inspect.isasyncgenfunction(target)


@pytest.mark.parametrize("name", SERVICE_NAMES)
def test_no_dependency_or_endpoint_is_handed_to_a_thread(name):
    in_threads: dict[str, str] = {}  # what runs in a thread: a route that calls it
    for context in iter_route_contexts(service_module(name).create_app().routes):
        if not isinstance(route := context.route, APIRoute):
            continue
        pending = [route.dependant]
        while pending:
            dependant = pending.pop()
            if dependant.call is not None and not _on_the_loop(dependant.call):
                in_threads.setdefault(getattr(dependant.call, "__qualname__", repr(dependant.call)), context.path)
            pending.extend(dependant.dependencies)
    assert in_threads == {}
