# The production image: the pinned official Airflow image plus this project's
# locked dependencies and the jobmarket package. docker-compose.yaml builds it
# (`docker compose build`); nothing is installed when a container starts.
#
# Keep the tag's Airflow and Python versions equal to constraints.txt
# (apache-airflow==3.3.2, Python 3.11): tests/integration/test_compose_file.py
# checks it.
FROM apache/airflow:3.3.2-python3.11

USER airflow
WORKDIR /opt/airflow

# 1. The full lock, exactly: every package at its locked version and nothing
#    resolved at build time (--no-deps). The lock carries one deliberate
#    override (structlog>=26.1 over the Great Expectations provider's cap, see
#    overrides.txt), which a resolving install would reject; so no `pip check`.
#    Packages the base image already has at the same version are left as they are.
COPY --chown=airflow:0 constraints.txt /opt/airflow/constraints.txt
RUN pip install --no-cache-dir --no-deps -r /opt/airflow/constraints.txt

# 2. Our package, editable from /opt/airflow/include: docker-compose.yaml
#    mounts ./include there, so the code the tasks import is the mounted one
#    (as with dags/). Installed without dependencies: step 1 has them all.
COPY --chown=airflow:0 pyproject.toml /opt/airflow/pyproject.toml
COPY --chown=airflow:0 include /opt/airflow/include
RUN pip install --no-cache-dir --no-deps -e /opt/airflow \
    && python -c "import jobmarket.deploy.init, jobmarket.pipeline"

# 3. The DAGs baked in too, so the image also runs without the bind mounts
#    (e.g. on Kubernetes); compose mounts the working copies over them.
#    (plugins/ is empty, so git has no such folder to copy; compose mounts it.)
COPY --chown=airflow:0 dags /opt/airflow/dags

# The simple auth manager's password file lives in the `airflow-auth` named
# volume; a new volume copies this folder's ownership.
RUN mkdir -p /opt/airflow/auth /opt/airflow/data && chmod g+rwx /opt/airflow/auth /opt/airflow/data

ENV JOBMARKET_LAKE=/opt/airflow/data \
    JOBMARKET_SOURCES=/opt/airflow/include/config/sources.yaml \
    GX_ANALYTICS_ENABLED=False
