"""The native deployment: docker-compose.yaml's services as local processes
on the machine's real PostgreSQL and Redis (jobmarket.deploy.native).

One stack per test module: a fresh metadata database (unique name, dropped at
the end), an empty Redis DB number (flushed at the end), a replay server with a
handful of recorded boards, an S3-compatible server (moto on 127.0.0.1) in
place of the compose file's MinIO holding the lake (the compose default,
``s3://jobmarket/lake``), and the api-server, scheduler, dag-processor,
triggerer and two Celery workers that share no local disk (``--scale
airflow-worker=2``). On failure the services' logs are printed.
"""

from __future__ import annotations

import os
import secrets
import socket
import time
import uuid
from dataclasses import dataclass

import pytest

from tests.support import CRAWL_DATE, REPO, replay_sources

PG_HOST, PG_PORT, PG_USER = "127.0.0.1", 5432, os.environ.get("JOBMARKET_IT_PG_USER", "postgres")
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
DAG_ID = "job_market_nightly"
# "local": the same tests on the mounted ./data lake with one worker, to
# compare run times with the default (the lake on the S3 server, two workers).
LAKE_KIND = os.environ.get("JOBMARKET_IT_LAKE", "s3")
# A handful of recorded boards: enough for every task to do real work.
GREENHOUSE_BOARDS = ["airbnb", "stripe", "dropbox"]


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


@pytest.fixture(scope="module")
def pg_database():
    if not _reachable(PG_HOST, PG_PORT):
        pytest.skip("no PostgreSQL on 127.0.0.1:5432")
    import psycopg2

    name = f"jobmarket_it_{uuid.uuid4().hex[:12]}"
    admin = psycopg2.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres")
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"
    finally:
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture(scope="module")
def redis_db():
    if not _reachable(REDIS_HOST, REDIS_PORT):
        pytest.skip("no Redis on 127.0.0.1:6379")
    import redis

    for n in range(15, 0, -1):  # DB 0 is everyone's default: stay off it
        client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=n)
        # Claim an empty DB with a marker key so a parallel run picks another.
        if client.dbsize() == 0 and client.set("jobmarket-it-claim", os.getpid(), nx=True):
            break
    else:
        pytest.skip("no empty Redis DB number 1..15")
    try:
        yield f"redis://{REDIS_HOST}:{REDIS_PORT}/{n}"
    finally:
        client.flushdb()
        client.close()


@dataclass
class Deployment:
    stack: object
    api: object
    lake: object  # jobmarket.core.lake.Lake on the S3 server (or the mounted folder)
    workers: tuple
    replay: object
    startup: dict
    startup_seconds: float


@pytest.fixture(scope="module")
def deployment(tmp_path_factory, pg_database, redis_db, s3_server, request):
    import pyarrow.fs as pafs
    from jobmarket.core.lake import Lake
    from jobmarket.deploy.native import NativeStack
    from jobmarket.replay import ReplayServer, fixture_bundle

    from tests.support import FIXTURES

    if not FIXTURES.is_dir():
        pytest.skip("../shared/fixtures is not present")
    root = tmp_path_factory.mktemp("native-deployment")
    bundle = fixture_bundle(FIXTURES, CRAWL_DATE)
    server = ReplayServer(bundle).start()
    sources = replay_sources(bundle, server.url, root, greenhouse=GREENHOUSE_BOARDS)
    password = secrets.token_urlsafe(16)
    from cryptography.fernet import Fernet

    variables = {  # what .env holds in production
        "AIRFLOW__CORE__FERNET_KEY": Fernet.generate_key().decode(),
        "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(32),
        "_AIRFLOW_WWW_USER_USERNAME": "admin",
        "_AIRFLOW_WWW_USER_PASSWORD": password,
        "JOBMARKET_SOURCES": str(sources.path),
        # The compose default: the lake in the `jobmarket` bucket of the
        # object store (here moto, standing in for the `minio` service, whose
        # URL the launcher rewrites; the bucket minio-init would create is
        # created below). Its dev credentials are the compose defaults.
    }
    if LAKE_KIND == "local":
        variables["JOBMARKET_LAKE"] = "/opt/airflow/data"
    bucket = "jobmarket"
    pafs.S3FileSystem(endpoint_override=s3_server, allow_bucket_creation=True, access_key="minioadmin",
                      secret_key="minioadmin", region="us-east-1").create_dir(bucket)
    stack = NativeStack(
        REPO / "docker-compose.yaml",
        root / "state",
        backing={"postgres": pg_database, "redis": redis_db, "minio": s3_server, "minio-init": s3_server},
        variables=variables,
        scale={"airflow-worker": 1 if LAKE_KIND == "local" else 2},
        mounts={
            "/opt/airflow/data": root / "data",
            "/opt/airflow/logs": root / "logs",
            "/opt/airflow/config": root / "config",
        },
        extra_env={
            # Test timings, not the deployment's: the scheduler notices a dead
            # worker's task after 20 s instead of 5 min, retries come after
            # 3 s (the DAG reads JOBMARKET_TASK_RETRY_DELAY_SECONDS), and no
            # scheduled run of "yesterday" competes with the runs under test.
            "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": "20",
            "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT_DETECTION_INTERVAL": "3",
            "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",
            # Two slots per worker: a night's parallel tasks spread over both.
            "AIRFLOW__CELERY__WORKER_CONCURRENCY": "2",
            "JOBMARKET_TASK_RETRY_DELAY_SECONDS": "3",
            "PYTHONPATH": str(REPO),
        },
    )
    # This process reads the bucket as an analyst would, with the same keys.
    aws = pytest.MonkeyPatch()
    for var, value in {"AWS_ENDPOINT_URL": s3_server, "AWS_ACCESS_KEY_ID": "minioadmin",
                       "AWS_SECRET_ACCESS_KEY": "minioadmin", "AWS_DEFAULT_REGION": "us-east-1"}.items():
        aws.setenv(var, value)
    lake = Lake(root / "data" if LAKE_KIND == "local" else f"s3://{bucket}/lake")
    t0 = time.monotonic()
    try:
        startup = stack.up()
        startup_seconds = time.monotonic() - t0
        from tests.integration.api import AirflowApi

        api = AirflowApi(stack.api_url(), "admin", password)
        workers = tuple(sorted(n for n in stack.services if n.startswith("airflow-worker")))
        dep = Deployment(stack, api, lake, workers, server, startup, startup_seconds)
        print(f"\nnative deployment healthy in {startup_seconds:.1f}s: "
              + ", ".join(f"{k} {v:.1f}s" for k, v in startup.items()))
        yield dep
    except BaseException:
        print(stack.dump_logs(120))
        raise
    finally:
        failed = request.session.testsfailed
        if failed:
            print(stack.dump_logs(120))
        stack.down()
        server.stop()
        aws.undo()
