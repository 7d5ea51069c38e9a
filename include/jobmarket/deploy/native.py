"""Run docker-compose.yaml's Airflow services as local processes.

No container engine: each Airflow service (api-server, scheduler,
dag-processor, triggerer, celery worker, ...) is started as its own process
with the environment the compose file declares, translated for one host:

* service hostnames (``airflow-apiserver``) become ``127.0.0.1``;
* the backing services (``postgres``, ``redis``) are replaced by real ones
  given as URLs (a database on a local PostgreSQL, a Redis DB number);
* container ports (api-server 8080, scheduler health 8974, log servers,
  flower) are remapped to free local ports, in the environment and in the
  health checks, and every server binds 127.0.0.1;
* container paths (``/opt/airflow/...``) become the bind mounts' host folders
  (or overrides), named volumes become folders under the state directory;
* ``depends_on`` conditions (started / healthy / completed successfully) and
  the compose health checks are honoured, so the start order is the file's;
* ``scale`` (``docker compose up --scale airflow-worker=2``) adds replicas
  that share no local disk with the original: each has its own home,
  volumes, temporary folder and log-server port (workers on other machines).

The image's entrypoint runs ``bash`` and ``python`` commands as they are and
anything else as ``airflow <command>``; so does this launcher.
"""

from __future__ import annotations

import copy
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from jobmarket.deploy import compose

IMAGE_AIRFLOW_HOME = "/opt/airflow"

# Ports an Airflow container listens on, and the setting that moves each one.
PORT_SETTINGS = {
    8080: "AIRFLOW__API__PORT",
    8974: "AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_SERVER_PORT",
    8793: "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT",
    8794: "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT",
    5555: "AIRFLOW__CELERY__FLOWER_PORT",
}
# Bind mounts of the checkout a replica shares with the original (code and
# configuration, identical on every machine of a real deployment).
SHARED_CODE_MOUNTS = {"dags", "plugins", "include", "config"}
LOOPBACK_BINDS = {
    "AIRFLOW__API__HOST": "127.0.0.1",
    "AIRFLOW__SCHEDULER__SCHEDULER_HEALTH_CHECK_SERVER_HOST": "127.0.0.1",
    "AIRFLOW__CELERY__FLOWER_HOST": "127.0.0.1",
}
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://[^\s'\"]+")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _is_loopback(host: str) -> bool:
    try:
        return all(info[4][0].startswith("127.") or info[4][0] == "::1"
                   for info in socket.getaddrinfo(host, None))
    except OSError:
        return False


@dataclass
class Running:
    name: str
    proc: subprocess.Popen
    log: Path
    started: float = field(default_factory=time.monotonic)


class NativeStack:
    """The compose file's services as processes; see the module docstring.

    ``backing`` maps a compose service name (``postgres``, ``redis``) to the
    URL of the real service that stands in for it; ``variables`` are what
    Compose would read from ``.env``; ``mounts`` overrides the host folder of
    some container paths (``{"/opt/airflow/logs": tmp / "logs"}``);
    ``extra_env`` is applied last, to every service.
    """

    def __init__(
        self,
        compose_file: Path,
        state_dir: Path,
        *,
        backing: Mapping[str, str],
        variables: Mapping[str, str],
        mounts: Mapping[str, Path] | None = None,
        extra_env: Mapping[str, str] | None = None,
        profiles: Iterable[str] = (),
        python: str = sys.executable,
        scale: Mapping[str, int] | None = None,
    ):
        self.compose_file = Path(compose_file).resolve()
        self.project_dir = self.compose_file.parent
        self.state_dir = Path(state_dir)
        self.log_dir = self.state_dir / "service-logs"
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.doc = compose.load(self.compose_file, variables)
        self.services: dict[str, dict[str, Any]] = self.doc["services"]
        self.backing = dict(backing)
        unknown = set(self.backing) - set(self.services)
        if unknown:
            raise ValueError(f"backing services not in {self.compose_file.name}: {sorted(unknown)}")
        self.mount_overrides = {k.rstrip("/"): Path(v) for k, v in (mounts or {}).items()}
        self.extra_env = dict(extra_env or {})
        self.profiles = set(profiles)
        self.python = python
        self.ports = {p: free_port() for p in PORT_SETTINGS}
        # In a container $HOSTNAME, gethostname() and getfqdn() agree; here
        # Airflow is told to use gethostname() so the compose health checks
        # (`airflow jobs check --hostname $HOSTNAME`, `celery@$HOSTNAME`) hold.
        name = socket.gethostname()
        self.hostname = name if _is_loopback(name) else None
        self.running: dict[str, Running] = {}
        self.completed: dict[str, int] = {}
        self.healthy: set[str] = set()
        self.last_check: dict[str, str] = {}
        self._seq = 0
        # replica name -> its private root on this host
        self.replicas: dict[str, Path] = {}
        self.replica_ports: dict[str, int] = {}  # each replica's worker log server
        for name, count in (scale or {}).items():
            for i in range(2, count + 1):
                self.add_replica(name, i)

    def add_replica(self, name: str, index: int) -> str:
        """``<name>-<index>``: another container of service ``name``. Code and
        configuration folders (dags, plugins, include, config) are shared, as
        a bind mount of the same checkout would be; every other volume, the
        Airflow home, the temporary folder and the ports are its own."""
        replica = f"{name}-{index}"
        if name not in self.services or replica in self.services:
            raise ValueError(f"cannot add replica {replica!r}")
        self.services[replica] = copy.deepcopy(self.services[name])
        root = self.state_dir / "replicas" / replica
        (root / "tmp").mkdir(parents=True, exist_ok=True)
        self.replicas[replica] = root
        self.replica_ports[replica] = free_port()
        return replica

    # -- translation ---------------------------------------------------------

    def enabled(self, name: str) -> bool:
        prof = self.services[name].get("profiles")
        return not prof or bool(self.profiles & set(prof))

    def mounts(self, name: str) -> dict[str, Path]:
        """Container path -> host path for one service."""
        out: dict[str, Path] = {}
        for spec in self.services[name].get("volumes", []):
            if isinstance(spec, dict):
                src, target = spec.get("source", ""), spec["target"]
            else:
                parts = spec.split(":")
                src, target = parts[0], parts[1]
            target = target.rstrip("/")
            if src.startswith((".", "/", "~")):
                host = (self.project_dir / os.path.expanduser(src)).resolve()
            else:
                host = self.state_dir / "volumes" / src
            out[target] = self.mount_overrides.get(target, host)
        for target, host in self.mount_overrides.items():
            out.setdefault(target, host)
        if name in self.replicas:
            root = self.replicas[name]
            for target in out:
                if target.rsplit("/", 1)[-1] not in SHARED_CODE_MOUNTS:
                    out[target] = root / "volumes" / target.strip("/").replace("/", "_")
        return out

    def host_path(self, name: str, container_path: str) -> Path:
        mounts = self.mounts(name)
        for target in sorted(mounts, key=len, reverse=True):
            if container_path == target or container_path.startswith(target + "/"):
                return mounts[target] / container_path[len(target):].lstrip("/")
        if container_path == IMAGE_AIRFLOW_HOME or container_path.startswith(IMAGE_AIRFLOW_HOME + "/"):
            home = self.replicas[name] / "home" if name in self.replicas else self.state_dir / "home"
            return home / container_path[len(IMAGE_AIRFLOW_HOME):].lstrip("/")
        return Path(container_path)

    def rewrite_url(self, url: str) -> str:
        parts = urlsplit(url)
        host = parts.hostname
        if host not in self.services:
            return url
        if host in self.backing:
            real = urlsplit(self.backing[host])
            return urlunsplit((parts.scheme, real.netloc, real.path, parts.query or real.query, parts.fragment))
        port = parts.port
        netloc = "127.0.0.1" + (f":{self.ports.get(port, port)}" if port else "")
        if parts.username is not None:
            netloc = parts.netloc.rsplit("@", 1)[0] + "@" + netloc
        return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))

    def translate(self, name: str, value: str) -> str:
        value = _URL.sub(lambda m: self.rewrite_url(m.group(0)), value)
        if value.startswith(IMAGE_AIRFLOW_HOME):
            value = str(self.host_path(name, value))
        return value

    def env(self, name: str) -> dict[str, str]:
        svc = self.services[name]
        base = {k: v for k, v in os.environ.items()
                if not k.startswith(("AIRFLOW", "_AIRFLOW", "JOBMARKET_"))}
        declared = svc.get("environment") or {}
        if isinstance(declared, list):
            declared = dict(item.split("=", 1) for item in declared)
        env = dict(base)
        bindir = str(Path(self.python).parent)
        env["PATH"] = bindir + os.pathsep + base.get("PATH", "")
        env.update({
            # What the image sets, at this host's paths.
            "AIRFLOW_HOME": str(self.host_path(name, IMAGE_AIRFLOW_HOME)),
            "AIRFLOW__CORE__DAGS_FOLDER": str(self.host_path(name, IMAGE_AIRFLOW_HOME + "/dags")),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(self.host_path(name, IMAGE_AIRFLOW_HOME + "/plugins")),
            "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(self.host_path(name, IMAGE_AIRFLOW_HOME + "/logs")),
        })
        env.update({k: self.translate(name, "" if v is None else str(v)) for k, v in declared.items()})
        env.update({setting: str(self.ports[p]) for p, setting in PORT_SETTINGS.items()})
        if name in self.replicas:  # a container of its own: its own log server and temporary folder
            env["AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT"] = str(self.replica_ports[name])
            env["TMPDIR"] = str(self.replicas[name] / "tmp")
        else:
            # Every container has its own /tmp, gone with the container: the host's
            # /tmp would keep a worker's copy of the lake's GX project from one
            # stack (or test run) to the next.
            env["TMPDIR"] = str(self.state_dir / "tmp" / name)
        Path(env["TMPDIR"]).mkdir(parents=True, exist_ok=True)
        env.update(LOOPBACK_BINDS)
        if self.hostname:
            env["HOSTNAME"] = self.hostname
            env["AIRFLOW__CORE__HOSTNAME_CALLABLE"] = "socket.gethostname"
        env.update(self.extra_env)
        for key in ("AIRFLOW_HOME", "AIRFLOW__CORE__DAGS_FOLDER", "AIRFLOW__LOGGING__BASE_LOG_FOLDER"):
            Path(env[key]).mkdir(parents=True, exist_ok=True)
        if env.get("AIRFLOW_CONFIG"):
            Path(env["AIRFLOW_CONFIG"]).parent.mkdir(parents=True, exist_ok=True)
        return env

    def argv(self, name: str) -> list[str]:
        cmd = self.services[name].get("command")
        if cmd is None:
            raise ValueError(f"service {name} has no command")
        args = shlex.split(cmd) if isinstance(cmd, str) else [str(c) for c in cmd]
        args = [a.replace("$$", "$") for a in args]
        if args[0] == "bash":
            return args
        if args[0] == "python":
            return [self.python, *args[1:]]
        return [self.python, "-m", "airflow", *args]

    def healthcheck_argv(self, name: str) -> list[str] | None:
        hc = self.services[name].get("healthcheck")
        if not hc or hc.get("disable"):
            return None
        test = hc["test"]
        if isinstance(test, str):
            test = ["CMD-SHELL", test]
        if test[0] == "NONE":
            return None

        def fix(s: str) -> str:
            s = s.replace("$$", "$")
            return re.sub(r"localhost:(\d+)",
                          lambda m: f"127.0.0.1:{self.ports.get(int(m.group(1)), m.group(1))}", s)

        if test[0] == "CMD-SHELL":
            script = fix(test[1])
            if self.hostname is None and "HOSTNAME" in script:
                return None  # cannot be answered here: liveness only
            return ["bash", "-c", script]
        return [fix(a) for a in test[1:]]

    # -- processes -----------------------------------------------------------

    def _log_path(self, name: str) -> Path:
        self._seq += 1
        return self.log_dir / f"{self._seq:02d}-{name}.log"

    def run(self, name: str, timeout: float = 300) -> int:
        """Run a one-shot service (``airflow-init``) to completion."""
        log = self._log_path(name)
        with open(log, "w") as fh:
            proc = subprocess.run(self.argv(name), env=self.env(name), stdout=fh, stderr=subprocess.STDOUT,
                                  timeout=timeout, cwd=self.state_dir, stdin=subprocess.DEVNULL)
        self.completed[name] = proc.returncode
        if proc.returncode != 0:
            raise RuntimeError(f"{name} exited {proc.returncode}:\n{tail(log)}")
        return proc.returncode

    def start(self, name: str) -> Running:
        log = self._log_path(name)
        fh = open(log, "w")  # noqa: SIM115 (closed with the process)
        proc = subprocess.Popen(self.argv(name), env=self.env(name), stdout=fh, stderr=subprocess.STDOUT,
                                cwd=self.state_dir, stdin=subprocess.DEVNULL, start_new_session=True)
        fh.close()
        self.running[name] = Running(name, proc, log)
        self.healthy.discard(name)
        return self.running[name]

    def is_healthy(self, name: str) -> bool:
        if name in self.backing:
            return True
        r = self.running.get(name)
        if r is None or r.proc.poll() is not None:
            return False
        argv = self.healthcheck_argv(name)
        if argv is None:
            return True
        # Compose's timeout is for a dedicated container; here every service
        # shares the host's cores while they all start, and a check that
        # imports Airflow can take longer: never less than a minute.
        timeout = max(60.0, _seconds(self.services[name].get("healthcheck", {}).get("timeout", "30s")))
        try:
            proc = subprocess.run(argv, env=self.env(name), capture_output=True, text=True,
                                  timeout=timeout, stdin=subprocess.DEVNULL)
            ok = proc.returncode == 0
            self.last_check[name] = f"exit {proc.returncode}: {(proc.stdout + proc.stderr)[-1500:]}"
        except subprocess.TimeoutExpired:
            ok = False
            self.last_check[name] = f"timed out after {timeout:.0f}s"
        if ok:
            self.healthy.add(name)
        return ok

    def wait_healthy(self, name: str, timeout: float = 180, poll: float = 1.0) -> float:
        """Seconds until the service's compose health check passed."""
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout:
            r = self.running.get(name)
            if r is not None and r.proc.poll() is not None:
                raise RuntimeError(f"{name} exited {r.proc.returncode} while starting:\n{tail(r.log)}")
            if self.is_healthy(name):
                return time.monotonic() - t0
            time.sleep(poll)
        log = self.running[name].log if name in self.running else None
        raise TimeoutError(f"{name} not healthy after {timeout:.0f}s; last health check "
                           f"{self.healthcheck_argv(name)}: {self.last_check.get(name)}"
                           + (f"\nservice log:\n{tail(log)}" if log else ""))

    def _satisfied(self, name: str) -> bool:
        deps = self.services[name].get("depends_on") or {}
        if isinstance(deps, list):
            deps = {d: {"condition": "service_started"} for d in deps}
        for dep, spec in deps.items():
            cond = (spec or {}).get("condition", "service_started")
            if dep in self.backing:
                continue
            if cond == "service_completed_successfully":
                if self.completed.get(dep) != 0:
                    return False
            elif cond == "service_healthy":
                if dep not in self.healthy and not self.is_healthy(dep):
                    return False
            elif dep not in self.running:
                return False
        return True

    def up(self, names: Iterable[str] | None = None, timeout: float = 300) -> dict[str, float]:
        """Start services in ``depends_on`` order, like ``docker compose up``;
        one-shot services (no health check, no restart) run to completion.
        Returns seconds from the call to each service being healthy."""
        t0 = time.monotonic()
        todo = [n for n in (names or self.services) if n not in self.backing and self.enabled(n)]
        ready: dict[str, float] = {}
        while todo:
            progressed = False
            for name in list(todo):
                if not self._satisfied(name):
                    continue
                todo.remove(name)
                progressed = True
                svc = self.services[name]
                if "healthcheck" not in svc and "restart" not in svc:
                    self.run(name, timeout=max(30.0, timeout - (time.monotonic() - t0)))
                else:
                    self.start(name)
                ready[name] = time.monotonic() - t0
            if not progressed:
                if time.monotonic() - t0 > timeout:
                    raise TimeoutError(f"services never became startable: {todo}\n{self.dump_logs()}")
                for r in self.running.values():
                    if r.proc.poll() is not None:
                        raise RuntimeError(f"{r.name} exited {r.proc.returncode}:\n{tail(r.log)}")
                time.sleep(1.0)
        from concurrent.futures import ThreadPoolExecutor

        pending = [n for n in self.running if n in ready and n not in self.healthy]
        left = max(10.0, timeout - (time.monotonic() - t0))
        with ThreadPoolExecutor(max_workers=max(1, len(pending))) as pool:
            def healthy_at(name: str) -> float:
                self.wait_healthy(name, left)
                return time.monotonic() - t0

            futures = {n: pool.submit(healthy_at, n) for n in pending}
            for name, fut in futures.items():
                ready[name] = fut.result()
        return ready

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        """Signal the service's whole process group (a container dying)."""
        r = self.running[name]
        try:
            os.killpg(r.proc.pid, sig)
        except ProcessLookupError:
            pass
        if sig == signal.SIGKILL:
            r.proc.wait(timeout=30)
            self.healthy.discard(name)

    def stop(self, name: str, timeout: float = 30) -> None:
        r = self.running.pop(name, None)
        if r is None:
            return
        self.healthy.discard(name)
        if r.proc.poll() is None:
            try:
                os.killpg(r.proc.pid, signal.SIGTERM)
                r.proc.wait(timeout=timeout)
            except ProcessLookupError:
                pass
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(r.proc.pid, signal.SIGKILL)  # stragglers in the group
        except ProcessLookupError:
            pass
        r.proc.wait(timeout=30)

    def down(self) -> None:
        # Workers first (they hold tasks), the api-server last (tasks report to it).
        order = sorted(self.running, key=lambda n: ("worker" not in n, "apiserver" in n))
        for name in order:
            self.stop(name)

    def api_url(self, service: str = "airflow-apiserver") -> str:
        return f"http://127.0.0.1:{self.ports[8080]}"

    def dump_logs(self, lines: int = 60) -> str:
        out = []
        for log in sorted(self.log_dir.glob("*.log")):
            out.append(f"----- {log.name} (last {lines} lines) -----\n{tail(log, lines)}")
        return "\n".join(out)

    def __enter__(self) -> NativeStack:
        return self

    def __exit__(self, *exc: object) -> None:
        self.down()


def tail(path: Path | None, lines: int = 60) -> str:
    if path is None or not Path(path).exists():
        return ""
    return "".join(Path(path).read_text(errors="replace").splitlines(True)[-lines:])


def _seconds(duration: str | int | float) -> float:
    if isinstance(duration, int | float):
        return float(duration)
    total = 0.0
    for num, unit in re.findall(r"(\d+(?:\.\d+)?)(ms|us|h|m|s)", str(duration)):
        total += float(num) * {"h": 3600, "m": 60, "s": 1, "ms": 1e-3, "us": 1e-6}[unit]
    return total or 30.0
