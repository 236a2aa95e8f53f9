import json

TYPE_NAMES = {"string": str, "integer": int, "number": (int, float), "boolean": bool,
              "object": dict, "array": list}


def validate(value, schema, path="$"):
    """Return a list of error strings for value against a tiny JSON-schema subset."""
    expected = TYPE_NAMES[schema["type"]]
    if not isinstance(value, expected) or (isinstance(value, bool) and schema["type"] != "boolean"):
        return [f"{path}: expected {schema['type']}"]
    errors = []
    if schema["type"] == "object":
        for key in schema.get("required", []):
            if key not in value:
                errors.append(f"{path}.{key}: missing")
        for key, sub_schema in schema.get("properties", {}).items():
            if key in value:
                errors += validate(value[key], sub_schema, f"{path}.{key}")
    elif schema["type"] == "array":
        for index, item in enumerate(value):
            errors += validate(item, schema["items"], f"{path}[{index}]")
    return errors


schema = {"type": "object", "required": ["id", "tags"], "properties": {
    "id": {"type": "integer"}, "tags": {"type": "array", "items": {"type": "string"}},
    "score": {"type": "number"}}}
assert validate(json.loads('{"id": 1, "tags": ["a"], "score": 2.5}'), schema) == []
assert validate(json.loads('{"id": true, "tags": []}'), schema) == ["$.id: expected integer"]
assert validate({"tags": ["x", 3]}, schema) == ["$.id: missing", "$.tags[1]: expected string"]
assert validate([], schema) == ["$: expected object"]
print("ok")
