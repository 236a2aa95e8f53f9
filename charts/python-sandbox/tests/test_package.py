"""The archive the release workflow pushes (`helm package`, .github/workflows/release.yml),
made by the real Helm engine: what it holds and that it installs like the chart folder."""

import tarfile

import helm_python as helm
import yaml

from chart import CHART, NAMESPACE, RELEASE, render_files


def test_the_packaged_chart_holds_the_chart_and_not_its_tests(tmp_path):
    archive = helm.package(CHART, destination=tmp_path)
    chart = yaml.safe_load((CHART / "Chart.yaml").read_text())
    assert archive.endswith(f"python-sandbox-{chart['version']}.tgz")
    with tarfile.open(archive) as tar:
        names = {name.removeprefix("python-sandbox/") for name in tar.getnames()}
    assert {"Chart.yaml", "values.yaml", "values.schema.json", ".helmignore"} <= names
    assert "templates/crd-pythonsandboxpool.yaml" in names
    assert not [n for n in names if n.startswith("tests/") or n.endswith(".pyc")], names


def test_the_packaged_chart_renders_what_the_folder_renders(tmp_path):
    archive = helm.package(CHART, destination=tmp_path)
    with helm.Chart.load(archive) as packaged:
        from_archive = packaged.render(name=RELEASE, namespace=NAMESPACE, is_install=True)
    assert from_archive == render_files()
