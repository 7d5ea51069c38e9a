"""The production deployment, as code.

``compose``  reads docker-compose.yaml the way Compose does (anchors, merge
             keys, ``${VAR:-default}`` / ``${VAR:?error}`` interpolation).
``init``     what the ``airflow-init`` service runs: checks the secrets,
             migrates the metadata DB, creates the pools, writes the admin's
             password file.
``native``   starts the compose file's Airflow services as local processes
             against real PostgreSQL and Redis (no container engine needed);
             the integration tests use it.
"""
