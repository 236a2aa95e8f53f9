from collections import deque


def topological_order(dependencies):
    """Return a dependency-respecting order of tasks, or None if there is a cycle."""
    indegree = {task: 0 for task in dependencies}
    for task, requirements in dependencies.items():
        for requirement in requirements:
            indegree.setdefault(requirement, 0)
    dependents = {task: [] for task in indegree}
    for task, requirements in dependencies.items():
        for requirement in requirements:
            dependents[requirement].append(task)
            indegree[task] += 1
    ready = deque(sorted(task for task, degree in indegree.items() if degree == 0))
    order = []
    while ready:
        task = ready.popleft()
        order.append(task)
        for dependent in sorted(dependents[task]):
            indegree[dependent] -= 1
            if indegree[dependent] == 0:
                ready.append(dependent)
    return order if len(order) == len(indegree) else None


build = {"app": ["lib", "config"], "lib": ["core"], "config": [], "core": []}
order = topological_order(build)
assert order.index("core") < order.index("lib") < order.index("app")
assert order.index("config") < order.index("app")
assert topological_order({"a": ["b"], "b": ["a"]}) is None
assert topological_order({}) == []
print("ok")
