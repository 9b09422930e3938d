"""The Kubernetes manifests of deploy/k8s, validated offline (there is no Kubernetes cluster on these machines).

`kubectl kustomize` renders each overlay. Every object of a Kubernetes kind is checked against the Kubernetes JSON
schemas in strict mode (kubernetes-validate ships them: a misspelt field fails); KEDA's ScaledObject and
TriggerAuthentication against the models generated from KEDA's published CRDs (cloudcoil-models-keda; an object
must survive the round trip unchanged, so an unknown field fails too). checkov's Kubernetes policies must pass,
but for the rules in WAIVED, each with its reason. No package ships the schemas of RabbitmqCluster (RabbitMQ Cluster
Operator) and of CloudNativePG's Cluster: the fields the federation relies on are asserted below instead. Nothing
is applied or run. Needs kubectl (with its built-in kustomize) and checkov (CI installs it into .venv-policy:
checkov pins a `packaging` that pytest refuses); without them the test is skipped locally and fails in CI.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import kubernetes_validate
import pytest
import yaml
from cloudcoil.models.keda import v1alpha1 as keda

from tests.e2e.federation_processes import ROOT
from tests.prerequisites import require

OVERLAYS = ("dev",)
KUBERNETES_VERSION = "1.32.0"
SYSTEMS = ("user", "catalog", "order")
WAIVED = {
    "CKV_K8S_15": "imagePullPolicy Always: the dev overlay runs an image built and loaded into a local cluster, which "
    "no registry serves (the base keeps Always)",
    "CKV_K8S_43": "image by digest: the dev overlay names the local build scs-federation:dev; an environment's overlay "
    "pins its release by digest (kustomize `images: digest:`)",
    "CKV_K8S_35": "secrets as environment variables: the processes read their settings (broker URL, database URI, "
    "secret key) from the SCS_* environment variables of ARCHITECTURE §9",
}


def _tool(name: str, *candidates: Path) -> str:
    """The path of a command-line tool, or skip (locally) / fail (in CI) without it."""
    found = next((str(path) for path in candidates if path.exists()), None) or shutil.which(name)
    require(found is not None, f"{name} is needed to validate deploy/k8s (see the module docstring)")
    assert found is not None  # require() skipped or failed otherwise
    return found


@pytest.fixture(scope="module", params=OVERLAYS)
def rendered(request, tmp_path_factory) -> tuple[Path, list[dict]]:
    """One overlay rendered by `kubectl kustomize`: the file and its objects."""
    kubectl = _tool("kubectl")
    result = subprocess.run(
        [kubectl, "kustomize", str(ROOT / "deploy" / "k8s" / "overlays" / request.param)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    path = tmp_path_factory.mktemp("k8s") / f"{request.param}.yaml"
    path.write_text(result.stdout)
    return path, [document for document in yaml.safe_load_all(result.stdout) if document]


def _objects(objects: list[dict], kind: str) -> dict[str, dict]:
    """The rendered objects of one kind, by name."""
    return {o["metadata"]["name"]: o for o in objects if o["kind"] == kind}


def test_each_system_has_web_worker_and_their_scaling_and_disruption_budgets(rendered):
    _, objects = rendered
    kinds = Counter(o["kind"] for o in objects)
    for kind, count in {"Deployment": 6, "Service": 3, "PodDisruptionBudget": 6, "HorizontalPodAutoscaler": 3}.items():
        assert kinds[kind] == count, (kind, kinds)
    deployments, scaled = _objects(objects, "Deployment"), _objects(objects, "ScaledObject")
    for system in SYSTEMS:
        web, worker = deployments[f"{system}-web"], deployments[f"{system}-worker"]
        container = web["spec"]["template"]["spec"]["containers"][0]
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
        probe = worker["spec"]["template"]["spec"]["containers"][0]["livenessProbe"]["exec"]["command"]
        assert probe == ["scs", "worker", system, "--check"]
        for deployment in (web, worker):
            pod = deployment["spec"]["template"]["spec"]
            assert pod["securityContext"]["runAsNonRoot"] is True
            for each in pod["containers"] + pod.get("initContainers", []):
                assert each["securityContext"]["readOnlyRootFilesystem"] is True
                assert {"requests", "limits"} <= set(each["resources"])
        hpa = _objects(objects, "HorizontalPodAutoscaler")[f"{system}-web"]
        assert hpa["spec"]["scaleTargetRef"]["name"] == f"{system}-web"
        trigger = scaled[f"{system}-worker"]["spec"]["triggers"][0]
        assert (trigger["type"], trigger["metadata"]["queueName"]) == ("rabbitmq", f"{system}.inbox")
        assert scaled[f"{system}-worker"]["spec"]["minReplicaCount"] >= 1, "the worker also runs the relay"


def test_the_broker_and_databases_are_operator_resources_one_database_and_login_per_system(rendered):
    _, objects = rendered
    (rabbitmq,) = [o for o in objects if o["kind"] == "RabbitmqCluster"]
    assert rabbitmq["apiVersion"] == "rabbitmq.com/v1beta1" and rabbitmq["spec"]["replicas"] == 3
    config = rabbitmq["spec"]["rabbitmq"]["additionalConfig"]
    assert "cluster_partition_handling = pause_minority" in config and "load_definitions =" in config
    databases = {o["metadata"]["name"]: o for o in objects if o["apiVersion"] == "postgresql.cnpg.io/v1"}
    for system in SYSTEMS:
        initdb = databases[f"{system}-db"]["spec"]["bootstrap"]["initdb"]
        assert (initdb["database"], initdb["owner"]) == (system, f"{system}_svc")
        env = _objects(objects, "Deployment")[f"{system}-web"]["spec"]["template"]["spec"]["containers"][0]["env"]
        url = next(e for e in env if e["name"] == f"SCS_{system.upper()}_DATABASE_URL")
        assert url["valueFrom"]["secretKeyRef"] == {"name": f"{system}-db-app", "key": "uri"}
    hosts = {rule["host"]: rule for rule in _objects(objects, "Ingress")["scs"]["spec"]["rules"]}
    links = _objects(objects, "ConfigMap")["scs-links"]["data"]
    for system in SYSTEMS:
        assert links[f"SCS_{system.upper()}_URL"].split("://", 1)[1] in hosts
        assert links[f"SCS_{system.upper()}_URL"].split("://", 1)[1].endswith("." + links["SCS_COOKIE_DOMAIN"])


def test_every_kubernetes_object_matches_the_kubernetes_schema(rendered):
    _, objects = rendered
    checked = []
    for document in objects:
        try:
            kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.SchemaNotFoundError:
            assert document["apiVersion"].split("/")[0] in ("keda.sh", "rabbitmq.com", "postgresql.cnpg.io"), document
            continue
        checked.append(document["kind"])
    assert len(checked) >= 30, checked


def test_the_schema_check_refuses_a_misspelt_field(rendered):
    _, objects = rendered
    deployment = json.loads(json.dumps(_objects(objects, "Deployment")["order-web"]))
    deployment["spec"]["template"]["spec"]["containers"][0]["readinesProbe"] = {"httpGet": {"path": "/readyz"}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSION, strict=True)


def test_keda_objects_match_the_published_crds_unknown_fields_included(rendered):
    _, objects = rendered
    models = {"ScaledObject": keda.ScaledObject, "TriggerAuthentication": keda.TriggerAuthentication}
    seen = 0
    for document in objects:
        if document["apiVersion"] == "keda.sh/v1alpha1":
            model = models[document["kind"]].model_validate(document)
            assert model.model_dump(mode="json", by_alias=True, exclude_unset=True) == document, document
            seen += 1
    assert seen == 6
    misspelt = json.loads(json.dumps(_objects(objects, "ScaledObject")["user-worker"]))
    misspelt["spec"]["minReplicaCuont"] = 1
    assert keda.ScaledObject.model_validate(misspelt).model_dump(by_alias=True, exclude_unset=True) != misspelt


def test_checkov_passes_but_for_the_waived_rules(rendered):
    path, _ = rendered
    checkov = _tool("checkov", ROOT / ".venv-policy" / "bin" / "checkov")
    result = subprocess.run(
        [checkov, "-f", str(path), "--framework", "kubernetes", "--skip-download", "--quiet", "--compact"]
        + ["--skip-check", ",".join(WAIVED), "-o", "json"],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=path.parent,
    )
    report = json.loads(result.stdout)
    report = report[0] if isinstance(report, list) else report
    failed = [(f["check_id"], f["check_name"], f["resource"]) for f in report["results"]["failed_checks"]]
    assert not failed, failed
    assert report["summary"]["passed"] > 100 and report["summary"]["parsing_errors"] == 0, report["summary"]
