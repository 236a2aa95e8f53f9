"""The chart's CRD is the generated one (crds/, itself checked against the Rust types by
crates/runner-operator/tests/crd.rs), behind `crds.enabled`, kept on uninstall."""

import yaml

from chart import CRD_SOURCE, CRD_TEMPLATE, crd_template, only, render, updating


def test_template_is_generated_from_crds_folder():
    want = crd_template(CRD_SOURCE.read_text())
    if updating():
        CRD_TEMPLATE.write_text(want)
    assert CRD_TEMPLATE.read_text() == want, (
        f"{CRD_TEMPLATE} is out of date with {CRD_SOURCE}; regenerate it with "
        "`UPDATE_GOLDEN=1 python -m pytest charts/`"
    )


def test_rendered_crd_is_the_generated_one_plus_keep_and_labels():
    crd = only(render(), "CustomResourceDefinition")
    source = next(d for d in yaml.safe_load_all(CRD_SOURCE.read_text()) if d)
    assert crd["metadata"].pop("annotations") == {"helm.sh/resource-policy": "keep"}
    assert crd["metadata"].pop("labels")["app.kubernetes.io/managed-by"] == "Helm"
    assert crd == source


def test_keep_off_lets_uninstall_delete_the_crd():
    crd = only(render({"crds": {"keep": False}}), "CustomResourceDefinition")
    assert "annotations" not in crd["metadata"]


def test_crds_disabled_renders_no_crd():
    objects = render({"crds": {"enabled": False}})
    assert not [o for o in objects if o["kind"] == "CustomResourceDefinition"]
