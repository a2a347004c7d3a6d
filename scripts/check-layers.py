#!/usr/bin/env python3
"""Checks the #include graph of src/: layers only include their own layer and lower ones, and
no modules depend on each other in a cycle.

Layers, lowest first: base < net < hub < metrics < app (one folder each under src/). A module is
a .c file with its .h (src/net/ws.c and src/net/ws.h are the module net/ws); a module depends on
every module whose header it includes. Exits 1 and names each violation, else prints a summary.

Usage: scripts/check-layers.py [SRC_DIR]   (default: the src/ next to this script)
"""
import os
import re
import sys

LAYERS = ["base", "net", "hub", "metrics", "app"]
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def read_graph(src):
    """{module: {included module: first including file}} and the list of problems found."""
    graph, problems = {}, []
    for layer in sorted(os.listdir(src)):
        folder = os.path.join(src, layer)
        if not os.path.isdir(folder):
            continue
        if layer not in LAYERS:
            problems.append(f"src/{layer}/: not a layer ({' < '.join(LAYERS)})")
            continue
        for name in sorted(os.listdir(folder)):
            if not name.endswith((".c", ".h")):
                continue
            module = f"{layer}/{name[:-2]}"
            deps = graph.setdefault(module, {})
            with open(os.path.join(folder, name), encoding="utf-8") as f:
                text = f.read()
            for inc in INCLUDE.findall(text):
                where = f"src/{layer}/{name}"
                if not os.path.isfile(os.path.join(src, inc)):
                    problems.append(f'{where}: #include "{inc}" is not a file under src/')
                    continue
                dep = inc[:-2]
                if dep != module:
                    deps.setdefault(dep, where)
    return graph, problems


def layer_problems(graph):
    out = []
    for module, deps in sorted(graph.items()):
        rank = LAYERS.index(module.split("/")[0])
        for dep, where in sorted(deps.items()):
            dep_layer = dep.split("/")[0]
            if dep_layer in LAYERS and LAYERS.index(dep_layer) > rank:
                out.append(f"{where}: includes {dep}.h from the higher layer '{dep_layer}'")
    return out


def cycles(graph):
    """Each cycle once, as a list of modules (Tarjan's strongly connected components)."""
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, {}):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    src = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "..", "src")
    graph, problems = read_graph(src)
    problems += layer_problems(graph)
    for comp in cycles(graph):
        edges = [f"{a} -> {b} ({graph[a][b]})" for a in comp for b in comp if b in graph[a]]
        problems.append("cycle between " + ", ".join(comp) + ": " + "; ".join(edges))
    if problems:
        for p in problems:
            print(f"check-layers: {p}", file=sys.stderr)
        return 1
    n = sum(len(d) for d in graph.values())
    print(f"check-layers: {len(graph)} modules, {n} includes, no cycle, no upward include")
    return 0


if __name__ == "__main__":
    sys.exit(main())
