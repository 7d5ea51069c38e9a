"""docker-compose.yaml, Dockerfile and .env.example: valid against the Compose
specification's schema and saying what the deployment needs (no engine
needed; the services themselves run in test_native_deployment.py)."""

from __future__ import annotations

import copy
import json
import re

import pytest

from tests.support import REPO

COMPOSE = REPO / "docker-compose.yaml"
AIRFLOW_SERVICES = {
    "airflow-apiserver": "api-server",
    "airflow-scheduler": "scheduler",
    "airflow-dag-processor": "dag-processor",
    "airflow-triggerer": "triggerer",
    "airflow-worker": "celery worker",
    "flower": "celery flower",
}
SECRETS = ("AIRFLOW__CORE__FERNET_KEY", "AIRFLOW__API_AUTH__JWT_SECRET", "_AIRFLOW_WWW_USER_PASSWORD")


@pytest.fixture(scope="module")
def raw():
    from jobmarket.deploy import compose

    return compose.load_raw(COMPOSE)


@pytest.fixture(scope="module")
def doc():
    from jobmarket.deploy import compose

    return compose.load(COMPOSE, {k: f"test-{k}" for k in SECRETS})


def test_valid_against_compose_spec_schema(raw):
    from jobmarket.deploy import compose

    assert compose.validate(raw) == []


@pytest.mark.parametrize("mutate", [
    lambda d: d["services"]["airflow-worker"].__setitem__("enviroment", {}),
    lambda d: d["services"]["airflow-scheduler"]["healthcheck"].__setitem__("intervall", "5s"),
    lambda d: d["services"]["airflow-apiserver"]["depends_on"]["airflow-init"].__setitem__(
        "condition", "service_completed"),
    lambda d: d.__setitem__("service", {}),
    lambda d: d["services"]["redis"].__setitem__("restart", ["always"]),
], ids=["service-key-typo", "healthcheck-key-typo", "bad-condition", "top-level-typo", "wrong-type"])
def test_schema_is_strict_enough_to_catch_typos(raw, mutate):
    from jobmarket.deploy import compose

    broken = copy.deepcopy(raw)
    mutate(broken)
    assert compose.validate(broken), "the schema must reject this"


def test_services_and_commands(doc):
    services = doc["services"]
    assert set(services) == {*AIRFLOW_SERVICES, "airflow-init", "airflow-cli", "postgres", "redis", "minio",
                             "minio-init"}
    for name, command in AIRFLOW_SERVICES.items():
        assert services[name]["command"] == command, name
        assert "healthcheck" in services[name], name
        assert services[name]["depends_on"]["airflow-init"] == {"condition": "service_completed_successfully"}
        assert services[name]["depends_on"]["postgres"] == {"condition": "service_healthy"}
        assert services[name]["depends_on"]["redis"] == {"condition": "service_healthy"}
        assert services[name]["depends_on"]["minio"] == {"condition": "service_healthy"}
    assert services["airflow-worker"]["depends_on"]["airflow-apiserver"] == {"condition": "service_healthy"}
    assert services["flower"]["profiles"] == ["flower"]
    assert services["airflow-init"]["command"] == ["python", "-m", "jobmarket.deploy.init"]
    assert services["postgres"]["image"].startswith("postgres:") and "healthcheck" in services["postgres"]
    assert services["redis"]["image"].startswith("redis:") and "healthcheck" in services["redis"]
    assert "8080" in services["airflow-apiserver"]["ports"][0]


def test_the_lake_runs_on_the_bundled_object_store(doc):
    """By default every Airflow service reads and writes the lake in the
    MinIO bucket that minio-init creates before airflow-init runs."""
    services = doc["services"]
    minio, init = services["minio"], services["minio-init"]
    assert minio["image"].startswith("minio/minio:RELEASE.") and "latest" not in minio["image"]
    assert minio["command"].startswith("server /data") and "healthcheck" in minio
    assert "minio-data:/data" in minio["volumes"] and "minio-data" in doc["volumes"]
    assert init["image"].startswith("minio/mc:RELEASE.")
    assert init["depends_on"] == {"minio": {"condition": "service_healthy"}}
    assert "mc mb --ignore-existing lake/jobmarket" in " ".join(init["command"])
    assert services["airflow-init"]["depends_on"]["minio-init"] == {"condition": "service_completed_successfully"}
    from jobmarket.core.store import parse_lake

    for name in [*AIRFLOW_SERVICES, "airflow-init"]:
        env = services[name]["environment"]
        assert env["JOBMARKET_LAKE"] == "s3://jobmarket/lake", name
        assert parse_lake(env["JOBMARKET_LAKE"]).path.split("/")[0] == "jobmarket"
        assert env["AWS_ENDPOINT_URL"] == "http://minio:9000", name
        # Dev defaults, the same on both sides; .env overrides them together.
        assert (env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]) == \
            (minio["environment"]["MINIO_ROOT_USER"], minio["environment"]["MINIO_ROOT_PASSWORD"])


def test_object_store_credentials_and_lake_come_from_env_file():
    from jobmarket.deploy import compose

    variables = {**{k: "x" for k in SECRETS}, "MINIO_ROOT_USER": "lake-admin", "MINIO_ROOT_PASSWORD": "s3cr3t-pw",
                 "JOBMARKET_LAKE": "/opt/airflow/data"}
    services = compose.load(COMPOSE, variables)["services"]
    env = services["airflow-worker"]["environment"]
    assert (env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]) == ("lake-admin", "s3cr3t-pw")
    assert services["minio"]["environment"]["MINIO_ROOT_PASSWORD"] == "s3cr3t-pw"
    assert env["JOBMARKET_LAKE"] == "/opt/airflow/data", "a local lake stays one .env line away"
    example = compose.read_env_file(REPO / ".env.example")
    text = (REPO / ".env.example").read_text()
    for var in ("MINIO_ROOT_USER", "MINIO_ROOT_PASSWORD", "JOBMARKET_LAKE", "JOBMARKET_S3_ENDPOINT"):
        assert var in text, f"{var} documented in .env.example"
    assert "MINIO_ROOT_PASSWORD" not in example, "no password value shipped, only a commented example"


def test_airflow_environment(doc):
    expected = {
        "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": "postgresql+psycopg2://airflow:airflow@postgres/airflow",
        "AIRFLOW__CELERY__RESULT_BACKEND": "db+postgresql://airflow:airflow@postgres/airflow",
        "AIRFLOW__CELERY__BROKER_URL": "redis://:@redis:6379/0",
        "AIRFLOW__CORE__LOAD_EXAMPLES": "false",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": "http://airflow-apiserver:8080/execution/",
        "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK": "true",
        "AIRFLOW__CORE__AUTH_MANAGER":
            "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
        "AIRFLOW__CORE__FERNET_KEY": "test-AIRFLOW__CORE__FERNET_KEY",
        "AIRFLOW__API_AUTH__JWT_SECRET": "test-AIRFLOW__API_AUTH__JWT_SECRET",
    }
    for name in [*AIRFLOW_SERVICES, "airflow-init"]:
        svc = doc["services"][name]
        env = svc["environment"]
        assert {k: env.get(k) for k in expected} == expected, name
        assert "_PIP_ADDITIONAL_REQUIREMENTS" not in env, "dependencies are in the image, not installed at start"
        assert svc["build"] == {"context": ".", "dockerfile": "Dockerfile"}
        mounts = {v.split(":")[1]: v.split(":")[0] for v in svc["volumes"]}
        for target in ("/opt/airflow/dags", "/opt/airflow/plugins", "/opt/airflow/include",
                       "/opt/airflow/logs", "/opt/airflow/data"):
            assert target in mounts, (name, target)
    assert doc["services"]["airflow-init"]["environment"]["_AIRFLOW_WWW_USER_PASSWORD"] == \
        "test-_AIRFLOW_WWW_USER_PASSWORD"


@pytest.mark.parametrize("secret", SECRETS)
def test_secrets_are_required_from_env_file(secret):
    """No default secret: Compose refuses to start without each one."""
    from jobmarket.deploy import compose

    variables = {k: "x" for k in SECRETS if k != secret}
    with pytest.raises(compose.InterpolationError, match=secret):
        compose.load(COMPOSE, variables)
    text = COMPOSE.read_text()
    assert re.search(r"\$\{" + secret + r":\?", text)


def test_env_example_names_every_secret_and_env_is_never_shipped():
    from jobmarket.deploy import compose

    example = compose.read_env_file(REPO / ".env.example")
    for secret in SECRETS:
        assert secret in example and example[secret] == "", f"{secret}: listed, left empty"
    assert ".env" in (REPO / ".gitignore").read_text().split()
    assert ".env" in (REPO / ".dockerignore").read_text().split()


def test_interpolation_like_compose():
    from jobmarket.deploy.compose import interpolate

    v = {"A": "1", "E": ""}
    assert interpolate("${A}-${B:-two}-${E:-three}-${E-four}-$$HOST-$A", v) == "1-two-three--$$HOST-1"


def test_dockerfile_pins_the_locked_airflow_and_installs_the_lock():
    text = (REPO / "Dockerfile").read_text()
    m = re.search(r"^FROM apache/airflow:(\d+\.\d+\.\d+)-python(\d+\.\d+)\s*$", text, re.M)
    assert m, "FROM a pinned apache/airflow:<version>-python<version> tag"
    lock = (REPO / "constraints.txt").read_text()
    assert f"apache-airflow=={m.group(1)}" in lock.split()
    assert m.group(2) == "3.11"
    assert re.search(r"pip install .*--no-deps -r /opt/airflow/constraints.txt", text)
    assert re.search(r"pip install .*--no-deps -e /opt/airflow", text)


def test_init_creates_one_pool_per_family():
    from jobmarket.sources.config import KNOWN_FAMILIES

    pools = json.loads((REPO / "include" / "config" / "pools.json").read_text())
    assert {f"jobmarket_{f}" for f in KNOWN_FAMILIES} <= set(pools)


def test_native_translation_of_the_compose_environment(tmp_path):
    """What the native launcher makes of the file: hostnames to 127.0.0.1,
    backing services to the real ones, ports remapped, paths to the mounts."""
    from jobmarket.deploy.native import NativeStack

    stack = NativeStack(
        COMPOSE, tmp_path,
        backing={"postgres": "postgresql://postgres@127.0.0.1:5432/db_x", "redis": "redis://127.0.0.1:6379/9",
                 "minio": "http://127.0.0.1:9123", "minio-init": "http://127.0.0.1:9123"},
        variables={k: "x" for k in SECRETS},
        mounts={"/opt/airflow/data": tmp_path / "lake"},
    )
    env = stack.env("airflow-worker")
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] == "postgresql+psycopg2://postgres@127.0.0.1:5432/db_x"
    assert env["AIRFLOW__CELERY__RESULT_BACKEND"] == "db+postgresql://postgres@127.0.0.1:5432/db_x"
    assert env["AIRFLOW__CELERY__BROKER_URL"] == "redis://127.0.0.1:6379/9"
    port = stack.ports[8080]
    assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == f"http://127.0.0.1:{port}/execution/"
    assert env["AIRFLOW__API__PORT"] == str(port)
    assert env["JOBMARKET_LAKE"] == "s3://jobmarket/lake"
    assert env["AWS_ENDPOINT_URL"] == "http://127.0.0.1:9123", "the object store's hostname goes to the real one"
    local = NativeStack(COMPOSE, tmp_path, backing={"postgres": "postgresql://x@127.0.0.1/db", "redis": "redis://x"},
                        variables={**{k: "x" for k in SECRETS}, "JOBMARKET_LAKE": "/opt/airflow/data"},
                        mounts={"/opt/airflow/data": tmp_path / "lake"})
    assert local.env("airflow-worker")["JOBMARKET_LAKE"] == str(tmp_path / "lake")
    assert env["AIRFLOW__CORE__DAGS_FOLDER"] == str(REPO / "dags")
    assert stack.argv("airflow-worker")[-3:] == ["airflow", "celery", "worker"]
    # every service a temporary folder of its own inside the stack, as a container's /tmp: the
    # host's /tmp kept a worker's copy of the lake's GX project from one stack to the next
    scaled = NativeStack(COMPOSE, tmp_path / "scaled", backing={"postgres": "postgresql://x@127.0.0.1/db",
                                                               "redis": "redis://x"},
                         variables={k: "x" for k in SECRETS}, mounts={"/opt/airflow/data": tmp_path / "lake"},
                         scale={"airflow-worker": 2})
    tmps = {name: scaled.env(name)["TMPDIR"] for name in ("airflow-worker", "airflow-worker-2", "airflow-scheduler")}
    assert len(set(tmps.values())) == 3 and all(t.startswith(str(tmp_path / "scaled")) for t in tmps.values())
    assert stack.healthcheck_argv("airflow-apiserver")[-1] == f"http://127.0.0.1:{port}/api/v2/version"
    assert not stack.enabled("flower")
