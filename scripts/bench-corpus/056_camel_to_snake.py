import re


def camel_to_snake(name):
    """Convert CamelCase or mixedCase identifiers to snake_case."""
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower()


assert camel_to_snake("CamelCase") == "camel_case"
assert camel_to_snake("getHTTPResponseCode") == "get_http_response_code"
assert camel_to_snake("already_snake") == "already_snake"
assert camel_to_snake("Version2Update") == "version2_update"
print("ok")
