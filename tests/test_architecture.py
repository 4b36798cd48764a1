"""The shape of the code: no module of the package imports itself back, not even from inside a function."""

from __future__ import annotations

import sys

import grimp


def _cycles() -> list[list[str]]:
    graph = grimp.build_graph("sanluanwu")
    modules = sorted(m for m in graph.modules if ".tests" not in m and ".migrations" not in m)
    known = set(modules)
    edges = {m: {i for i in graph.find_modules_directly_imported_by(m) if i in known} for m in modules}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1 or v in edges[v]:
                found.append(sorted(component))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for module in modules:
        if module not in index:
            visit(module)
    return found


def test_no_module_imports_another_that_imports_it_back():
    assert _cycles() == []
