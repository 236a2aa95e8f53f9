"""The archive the release workflow pushes (`helm package`, .github/workflows/release.yml),
made by the real Helm engine: what it holds and that it installs like the chart folder."""

import tarfile

import helm_python as helm
import yaml

from chart import CHART, CRD_SOURCE, NAMESPACE, REPO, RELEASE, only, operator_env, render, render_files


def test_the_packaged_chart_holds_the_chart_and_not_its_tests(tmp_path):
    archive = helm.package(CHART, destination=tmp_path)
    chart = yaml.safe_load((CHART / "Chart.yaml").read_text())
    assert archive.endswith(f"python-sandbox-{chart['version']}.tgz")
    with tarfile.open(archive) as tar:
        names = {name.removeprefix("python-sandbox/") for name in tar.getnames()}
    assert {"Chart.yaml", "README.md", "values.yaml", "values.schema.json", ".helmignore"} <= names
    assert "templates/crd-pythonsandboxpool.yaml" in names
    assert not [n for n in names if n.startswith("tests/") or n.endswith(".pyc")], names


def test_the_packaged_chart_renders_what_the_folder_renders(tmp_path):
    archive = helm.package(CHART, destination=tmp_path)
    with helm.Chart.load(archive) as packaged:
        from_archive = packaged.render(name=RELEASE, namespace=NAMESPACE, is_install=True)
    assert from_archive == render_files()


def test_artifact_hub_metadata_matches_the_chart_its_crd_and_the_example_pool():
    chart = yaml.safe_load((CHART / "Chart.yaml").read_text())
    notes = chart["annotations"]
    objects = render()
    env = operator_env(objects)
    operator = only(objects, "Deployment")["spec"]["template"]["spec"]["containers"][0]["image"]
    images = {i["name"]: i["image"] for i in yaml.safe_load(notes["artifacthub.io/images"])}
    assert images == {
        "runner-operator": operator,
        "runner-node": env["RUNNER_IMAGE"],
        "runner-node-scientific": env["RUNNER_SCIENTIFIC_IMAGE"],
    }
    crd = next(d for d in yaml.safe_load_all(CRD_SOURCE.read_text()) if d)
    listed = yaml.safe_load(notes["artifacthub.io/crds"])
    assert [(c["kind"], c["name"]) for c in listed] == [
        (crd["spec"]["names"]["kind"], crd["metadata"]["name"])
    ]
    assert listed[0]["version"] in [v["name"] for v in crd["spec"]["versions"] if v["served"]]
    example = yaml.safe_load((REPO / "examples" / "pools" / "minimal.yaml").read_text())
    assert yaml.safe_load(notes["artifacthub.io/crdsExamples"]) == [example]
    # The icon is served from this repository's main branch, where it lives.
    prefix = "https://raw.githubusercontent.com/python-sandbox/python-sandbox/main/"
    assert chart["icon"].startswith(prefix)
    assert (REPO / chart["icon"].removeprefix(prefix)).is_file()
