"""What the ``airflow-init`` service runs (``python -m jobmarket.deploy.init``).

1. refuses to start without the secrets (.env: Fernet key, JWT secret, admin
   password), naming the missing ones;
2. ``airflow db migrate``;
3. imports one pool per board family (``include/config/pools.json``);
4. writes the simple auth manager's password file for the admin user.

Idempotent: every step can run again on an existing deployment.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REQUIRED = (
    "AIRFLOW__CORE__FERNET_KEY",
    "AIRFLOW__API_AUTH__JWT_SECRET",
    "_AIRFLOW_WWW_USER_PASSWORD",
    "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN",
)


def _airflow(*args: str) -> None:
    print("+ airflow " + " ".join(args), flush=True)
    subprocess.run([sys.executable, "-m", "airflow", *args], check=True)


def write_password_file(path: Path, username: str, password: str) -> None:
    """The simple auth manager reads ``{"user": "password"}`` from this file;
    it only generates a password for users missing from it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps({username: password}) + "\n")
    tmp.chmod(0o600)
    tmp.replace(path)


def main() -> int:
    missing = [k for k in REQUIRED if not os.environ.get(k)]
    if missing:
        print(f"airflow-init: missing required settings: {', '.join(missing)} "
              "(copy .env.example to .env and fill it in)", file=sys.stderr, flush=True)
        return 2
    _airflow("db", "migrate")
    from jobmarket.core.settings import REPO_DIR

    pools = os.environ.get("JOBMARKET_POOLS_FILE") or str(REPO_DIR / "include" / "config" / "pools.json")
    _airflow("pools", "import", pools)
    pw_file = os.environ.get("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE")
    if pw_file:
        user = os.environ.get("_AIRFLOW_WWW_USER_USERNAME") or "admin"
        write_password_file(Path(pw_file), user, os.environ["_AIRFLOW_WWW_USER_PASSWORD"])
        print(f"airflow-init: password of {user!r} written to {pw_file}", flush=True)
    print("airflow-init: done", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
