import json


def leaf_paths(document, prefix=""):
    """Yield (dotted_path, value) for every leaf of a nested JSON document."""
    if isinstance(document, dict):
        for key, value in document.items():
            yield from leaf_paths(value, f"{prefix}.{key}" if prefix else key)
    elif isinstance(document, list):
        for index, value in enumerate(document):
            yield from leaf_paths(value, f"{prefix}[{index}]")
    else:
        yield prefix, document


text = '{"user": {"name": "Ada", "tags": ["math", "code"]}, "active": true, "score": null}'
paths = dict(leaf_paths(json.loads(text)))
assert paths["user.name"] == "Ada"
assert paths["user.tags[1]"] == "code"
assert paths["active"] is True
assert paths["score"] is None
assert len(paths) == 5
assert json.loads(json.dumps(paths, sort_keys=True)) == paths
print("ok")
