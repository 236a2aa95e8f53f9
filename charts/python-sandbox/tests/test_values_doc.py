"""values.yaml is the one source of the chart's values: its annotations generate
values.schema.json and the README's table (scripts/chart-values.py), and these tests fail when
the generated files drift or the annotations lose what a user reads."""

import importlib.util
import json
import subprocess
import sys

import helm_python as helm
import pytest
import yaml

from chart import CHART, REPO, render

SCRIPT = REPO / "scripts" / "chart-values.py"


def generator():
    spec = importlib.util.spec_from_file_location("chart_values", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_schema_and_the_readme_are_what_values_yaml_generates():
    checked = subprocess.run([sys.executable, SCRIPT, "--check"], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr


def test_an_edited_default_is_drift_the_check_reports(tmp_path):
    values = (CHART / "values.yaml").read_text().replace("timeoutSeconds: 5", "timeoutSeconds: 7")
    schema, rows = generator().generate(values)
    assert schema != (CHART / "values.schema.json").read_text()
    assert {"key": "webhook.timeoutSeconds", "default": "7"}.items() <= next(
        r for r in rows if r["key"] == "webhook.timeoutSeconds"
    ).items()


def leaves(schema: dict, path: str = ""):
    for name, node in schema.get("properties", {}).items():
        here = f"{path}.{name}".lstrip(".")
        if node.get("type") == "object" and "properties" in node and "default" not in node:
            yield from leaves(node, here)
        else:
            yield here, node


def test_every_key_has_a_description_and_every_value_its_default():
    schema = json.loads((CHART / "values.schema.json").read_text())
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    found = dict(leaves(schema))
    assert len(found) > 60
    for path, node in found.items():
        assert node["description"], path
        default = values
        for part in path.split("."):
            default = default[part]
        assert node["default"] == default, path


def test_the_readme_lists_every_value_with_its_default():
    readme = (CHART / "README.md").read_text()
    schema = json.loads((CHART / "values.schema.json").read_text())
    for path, node in leaves(schema):
        assert f"| `{path}` |" in readme, path
        assert f"`{json.dumps(node['default'])}`".replace("|", "\\|") in readme, path


@pytest.mark.parametrize(
    "old, new, message",
    [
        ("# -- Replaces the chart name", "# Replaces the chart name", "nameOverride has no `# --`"),
        ('{"maxLength": 63}\nnameOverride', '{"maxLength": 63\nnameOverride', "not one JSON object"),
        ("stringMap\"}\n  podLabels", "nowhere\"}\n  podLabels", "definitions/nowhere, never declared"),
    ],
)
def test_a_broken_annotation_is_refused_with_what_is_wrong(old, new, message):
    values = (CHART / "values.yaml").read_text()
    assert values.count(old) == 1
    module = generator()
    with pytest.raises(module.ValuesError, match=message):
        module.generate(values.replace(old, new))


@pytest.mark.parametrize(
    "values, field",
    [
        ({"operator": {"logFormat": "xml"}}, "logFormat"),  # an enum
        ({"operator": {"image": {"digest": "sha256:short"}}}, "digest"),  # a $ref's pattern
        ({"operator": {"replica": 2}}, "replica"),  # an unknown key in a section
        ({"webhook": {"certManager": {"issuerRef": {"kind": "Issuer"}}}}, "name"),  # dependencies
        ({"operator": {"resources": {"requests": {}, "limit": {}}}}, "limit"),  # a leaf's keywords
    ],
)
def test_helm_refuses_values_the_generated_schema_forbids(values, field):
    with pytest.raises(helm.HelmValuesError, match=field):
        render(values)
