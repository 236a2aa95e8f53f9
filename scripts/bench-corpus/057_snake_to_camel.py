def snake_to_camel(name, upper_first=False):
    """Convert snake_case to camelCase (or PascalCase when upper_first)."""
    parts = [part for part in name.split("_") if part]
    if not parts:
        return ""
    head = parts[0].capitalize() if upper_first else parts[0].lower()
    return head + "".join(part.capitalize() for part in parts[1:])


assert snake_to_camel("hello_world") == "helloWorld"
assert snake_to_camel("hello_world", upper_first=True) == "HelloWorld"
assert snake_to_camel("__private_value") == "privateValue"
assert snake_to_camel("") == ""
assert snake_to_camel("single") == "single"
print("ok")
