def parse_config(text):
    """Parse 'key = value' lines into a dict, skipping blanks and # comments."""
    config = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        key, _, value = line.partition("=")
        value = value.strip()
        if value.isdigit():
            value = int(value)
        elif value.lower() in ("true", "false"):
            value = value.lower() == "true"
        config[key.strip()] = value
    return config


sample = """
# server settings
host = example.local
port = 8080   # default
debug = TRUE

name=demo
"""
config = parse_config(sample)
assert config == {"host": "example.local", "port": 8080, "debug": True, "name": "demo"}
assert parse_config("") == {}
assert parse_config("flag = false")["flag"] is False
print("ok")
