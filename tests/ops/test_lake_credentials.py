"""The lake connection's fields become the AWS variables the S3 client reads
(the DAG run on S3 in tests/test_dag_s3.py proves a task uses them)."""

from __future__ import annotations

from jobmarket.ops.lake_credentials import credentials_env, export_lake_credentials


def test_an_aws_connection_maps_to_the_standard_variables():
    env = credentials_env("AKID", "se/cret", None, {"endpoint_url": "http://minio:9000", "region_name": "eu-west-1",
                                                    "aws_session_token": "tok"})
    assert env == {"AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "se/cret", "AWS_SESSION_TOKEN": "tok",
                   "AWS_REGION": "eu-west-1", "AWS_ENDPOINT_URL_S3": "http://minio:9000"}


def test_a_bare_host_in_the_form_is_an_http_endpoint_and_unset_fields_stay_unset():
    assert credentials_env(None, None, "minio", {}, 9000) == {"AWS_ENDPOINT_URL_S3": "http://minio:9000"}
    assert credentials_env(None, None, None, None) == {}


def test_a_local_lake_never_looks_up_a_connection(monkeypatch, tmp_path):
    monkeypatch.setenv("JOBMARKET_LAKE", str(tmp_path))
    monkeypatch.delenv("AWS_ACCESS_KEY_ID", raising=False)
    assert export_lake_credentials() == []
