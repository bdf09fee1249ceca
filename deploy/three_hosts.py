"""A real three-host healthqa deployment on one Linux machine, started and torn down by one call.

- **Network**: a bridge in the root namespace (``10.X.Y.1/24``) and one network namespace per app host
  (``ip netns``), each joined to the bridge by a veth pair (``10.X.Y.11``, ``10.X.Y.12``, ...). The hosts see
  each other and the root namespace only through that network, as separate machines would.
- **PostgreSQL**: its own instance (``initdb`` into a temporary folder, run as the ``postgres`` user) listening
  on 127.0.0.1 and on the bridge's address, with ``trust`` for the bridge's subnet. The machine's own
  PostgreSQL and its configuration are never touched: stopping this instance (a fault test) harms nothing else,
  and teardown deletes it whole, database included.
- **Redis**: its own ``redis-server`` on the bridge's address (nothing saved to disk), shared by the hosts for
  rate limits (``HEALTHQA_REDIS_URL``), for the same reason.
- **App hosts**: ``healthqa serve`` in each namespace over ``HEALTHQA_DB=postgresql://...@10.X.Y.1``, one
  communities file shared by all (``HEALTHQA_COMMUNITY_DB``: a PostgreSQL knowledge base has no folder beside
  it), ``HEALTHQA_TRUSTED_PROXIES`` naming the proxy, an admin token and an ingest folder for ``POST /api/ingest``.
- **nginx**: in the root namespace, from ``deploy/nginx.conf.template``, on 127.0.0.1, balancing over the
  hosts with failover (``proxy_next_upstream error timeout http_502 http_503``).

Teardown (always, also on an error or a signal) stops nginx, the hosts, Redis and PostgreSQL, deletes the
namespaces, the bridge and its veths, and the temporary folders. Needs root, ``ip`` (iproute2), nginx,
redis-server and PostgreSQL's server programs; :func:`missing` says which one is absent.

Run it by hand::

    sudo .venv/bin/python deploy/three_hosts.py --ingest /work/shared/seeds      # Ctrl-C tears it down
    sudo .venv/bin/python deploy/three_hosts.py --migrate healthqa.db --hosts 3
"""

from __future__ import annotations

import argparse
import contextlib
import ipaddress
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPOSITORY = Path(__file__).resolve().parent.parent
NGINX_TEMPLATE = Path(__file__).resolve().parent / "nginx.conf.template"
APP_PORT = 8000
PG_BIN_GLOB = "/usr/lib/postgresql/*/bin"


def postgres_bin() -> Path | None:
    """The folder of PostgreSQL's server programs (initdb, pg_ctl), newest version first."""
    found = sorted(Path("/").glob(PG_BIN_GLOB.lstrip("/")), key=lambda p: int(p.parent.name), reverse=True)
    return next((path for path in found if (path / "initdb").exists() and (path / "pg_ctl").exists()), None)


def missing() -> str | None:
    """Why this machine cannot run the deployment, or None when it can."""
    if os.geteuid() != 0:
        return "network namespaces need root"
    for program in ("ip", "nginx", "redis-server", "runuser"):
        if shutil.which(program) is None:
            return f"{program} is not installed"
    if postgres_bin() is None:
        return f"PostgreSQL's server programs are not installed ({PG_BIN_GLOB}/initdb)"
    probe = f"hqprobe{secrets.token_hex(3)}"
    made = subprocess.run(["ip", "netns", "add", probe], capture_output=True, text=True)
    if made.returncode != 0:
        return f"ip netns add failed: {made.stderr.strip()}"
    subprocess.run(["ip", "netns", "del", probe], capture_output=True)
    return None


def _run(command: Sequence[str], **options: Any) -> subprocess.CompletedProcess[str]:
    """Run ``command``; a failure raises with its output, which says what went wrong."""
    result = subprocess.run(list(command), capture_output=True, text=True, **options)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({result.returncode}): {result.stderr.strip()}")
    return result


def free_port(host: str = "127.0.0.1") -> int:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def _free_subnet() -> ipaddress.IPv4Network:
    """A /24 in 10.0.0.0/8 that no route of this machine overlaps."""
    routes = _run(["ip", "-4", "route", "show", "table", "all"]).stdout.split()
    used = [ipaddress.ip_network(word, strict=False) for word in routes if "/" in word and word[0].isdigit()]
    for _ in range(200):
        subnet = ipaddress.IPv4Network(f"10.{secrets.randbelow(200) + 50}.{secrets.randbelow(254) + 1}.0/24")
        if not any(subnet.overlaps(other) for other in used):
            return subnet
    raise RuntimeError("no free 10.x.y.0/24 subnet for the deployment's network")


def http_get(url: str, timeout: float = 5.0, headers: Mapping[str, str] | None = None) -> tuple[int, bytes]:
    """(status, body) of a GET; a connection failure raises OSError."""
    request = urllib.request.Request(url, headers=dict(headers or {}))
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return int(response.status), bytes(response.read())
    except urllib.error.HTTPError as error:
        return int(error.code), bytes(error.read())


def wait_until(check: Any, timeout: float, what: str, interval: float = 0.5) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if check():
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} within {timeout:g} s")
        time.sleep(interval)


# --- the parts --------------------------------------------------------------------------------------------------


@dataclass
class Postgres:
    """A PostgreSQL instance of our own, in ``datadir``, run as the ``postgres`` user."""

    bin: Path
    datadir: Path
    port: int
    listen: tuple[str, ...]
    allow: str  # the subnet allowed to connect (trust)

    def _as_postgres(self, *command: str) -> subprocess.CompletedProcess[str]:
        return _run(["runuser", "-u", "postgres", "--", *command], cwd="/")

    def create(self) -> None:
        self.datadir.mkdir(mode=0o700)
        shutil.chown(self.datadir, "postgres", "postgres")
        self._as_postgres(str(self.bin / "initdb"), "-D", str(self.datadir), "-U", "postgres", "--auth=trust",
                          "--no-sync", "--no-instructions", "-E", "UTF8", "--locale=C")
        with (self.datadir / "pg_hba.conf").open("a", encoding="utf-8") as hba:
            hba.write(f"host all all {self.allow} trust\n")
        with (self.datadir / "postgresql.conf").open("a", encoding="utf-8") as conf:
            conf.write(
                f"listen_addresses = '{','.join(self.listen)}'\nport = {self.port}\n"
                f"unix_socket_directories = '{self.datadir}'\nmax_connections = 200\n"
                "shared_buffers = 128MB\n"
            )

    def start(self) -> None:
        self._as_postgres(str(self.bin / "pg_ctl"), "-D", str(self.datadir), "-l", str(self.datadir / "server.log"),
                          "-w", "-t", "30", "start")

    def stop(self, mode: str = "fast") -> None:
        self._as_postgres(str(self.bin / "pg_ctl"), "-D", str(self.datadir), "-m", mode, "-w", "-t", "30", "stop")

    def running(self) -> bool:
        status = subprocess.run(["runuser", "-u", "postgres", "--", str(self.bin / "pg_ctl"), "-D",
                                 str(self.datadir), "status"], capture_output=True, cwd="/")
        return status.returncode == 0

    def url(self, host: str, database: str) -> str:
        return f"postgresql://postgres@{host}:{self.port}/{database}"

    def create_database(self, name: str) -> None:
        import psycopg

        with psycopg.connect(self.url("127.0.0.1", "postgres"), autocommit=True, connect_timeout=5) as admin:
            admin.execute(f'CREATE DATABASE "{name}"'.encode())


@dataclass
class AppHost:
    name: str
    namespace: str
    address: str
    port: int
    log: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://{self.address}:{self.port}"


@dataclass
class Deployment:
    """What :func:`deploy` started; its methods are the faults the tests inject."""

    workdir: Path
    subnet: ipaddress.IPv4Network
    gateway: str  # the root namespace's address on the bridge: PostgreSQL, Redis and nginx's side
    postgres: Postgres
    database: str
    redis_port: int
    redis_prefix: str
    proxy_port: int
    admin_token: str
    ingest_root: Path
    hosts: list[AppHost]
    env: dict[str, str]  # every host's HEALTHQA_* settings
    cleanups: list[tuple[str, Any]] = field(default_factory=list)

    @property
    def proxy_url(self) -> str:
        return f"http://127.0.0.1:{self.proxy_port}"

    @property
    def database_url(self) -> str:
        """The knowledge base as the root namespace reaches it (127.0.0.1)."""
        return self.postgres.url("127.0.0.1", self.database)

    def start_host(self, host: AppHost, workers: int = 1) -> None:
        """Start ``healthqa serve`` in the host's namespace (it listens at once; /healthz says when ready)."""
        environment = {name: value for name, value in os.environ.items() if not name.startswith("HEALTHQA_")}
        environment.update(self.env)
        # Each host its own disk for the derived indexes (healthqa.retrieve.derived), as separate machines have.
        environment["HEALTHQA_CACHE_DIR"] = str(self.workdir / f"{host.name}-cache")
        command = ["ip", "netns", "exec", host.namespace, sys.executable, "-m", "healthqa", "serve",
                   "--host", host.address, "--port", str(host.port), "--workers", str(workers)]
        with host.log.open("ab") as output:
            # ip netns exec replaces itself with the command: the process is healthqa's own (kill -9 hits it).
            host.process = subprocess.Popen(command, env=environment, stdout=output, stderr=subprocess.STDOUT,
                                            cwd=self.workdir, start_new_session=True)

    def wait_healthy(self, hosts: Sequence[AppHost] | None = None, timeout: float = 120.0) -> None:
        for host in hosts if hosts is not None else self.hosts:
            def healthy(host: AppHost = host) -> bool:
                if host.process is not None and host.process.poll() is not None:
                    raise RuntimeError(f"{host.name} exited ({host.process.returncode}):\n{host.log.read_text()}")
                return http_get(f"{host.url}/healthz", timeout=2)[0] == 200

            wait_until(healthy, timeout, f"{host.name} was not healthy")

    def kill_host(self, host: AppHost) -> None:
        """kill -9, as a crashed machine: no goodbye to nginx or PostgreSQL."""
        if host.process is not None and host.process.poll() is None:
            os.killpg(host.process.pid, signal.SIGKILL)
            host.process.wait(10)

    def stop_host(self, host: AppHost) -> None:
        if host.process is not None and host.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(host.process.pid, signal.SIGTERM)
            try:
                host.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill_host(host)

    def healthqa(self, *arguments: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        """A ``healthqa`` command in the root namespace against the deployment's knowledge base."""
        environment = {name: value for name, value in os.environ.items() if not name.startswith("HEALTHQA_")}
        environment.update({"HEALTHQA_DB": self.database_url, "HEALTHQA_CACHE_DIR": str(self.workdir / "cli-cache"),
                            "HEALTHQA_COMMUNITY_DB": self.env["HEALTHQA_COMMUNITY_DB"]})
        return subprocess.run([sys.executable, "-m", "healthqa", *arguments], env=environment,
                              capture_output=True, text=True, timeout=timeout)


def _nginx_config(deployment: Deployment, prefix: Path, *, fail_timeout: str, access_log: bool) -> str:
    servers = "\n".join(
        f"        server {host.address}:{host.port} max_fails=1 fail_timeout={fail_timeout};"
        for host in deployment.hosts
    )
    values = {
        "worker_processes": "1", "prefix": str(prefix), "servers": servers,
        "listen": f"127.0.0.1:{deployment.proxy_port}", "fail_timeout": fail_timeout,
        "access_log": f"{prefix}/access.log" if access_log else "off", "ingest_timeout": "600s",
    }
    text = NGINX_TEMPLATE.read_text(encoding="utf-8")
    for name, value in values.items():
        text = text.replace("{{" + name + "}}", value)
    if re.search(r"\{\{\w+\}\}", text):
        raise RuntimeError(f"{NGINX_TEMPLATE}: a placeholder was left unfilled")
    return text


def _network(
    tag: str, subnet: ipaddress.IPv4Network, hosts: int, workdir: Path, cleanups: list[tuple[str, Any]]
) -> list[AppHost]:
    """The bridge (the subnet's first address) and one namespace per host, joined to it by a veth pair."""
    gateway = str(subnet.network_address + 1)
    bridge = f"hq{tag}br"
    _run(["ip", "link", "add", bridge, "type", "bridge"])
    cleanups.append(("bridge", lambda: _run(["ip", "link", "del", bridge])))
    _run(["ip", "addr", "add", f"{gateway}/{subnet.prefixlen}", "dev", bridge])
    _run(["ip", "link", "set", bridge, "up"])
    app_hosts: list[AppHost] = []
    for number in range(1, hosts + 1):
        namespace, outside, inside = f"hq{tag}n{number}", f"hq{tag}v{number}", f"hq{tag}p{number}"
        address = str(subnet.network_address + 10 + number)
        _run(["ip", "netns", "add", namespace])
        cleanups.append((f"namespace {namespace}", lambda ns=namespace: _run(["ip", "netns", "del", ns])))
        _run(["ip", "link", "add", outside, "type", "veth", "peer", "name", inside])
        # Deleting the namespace deletes the pair; this is for a pair that never got there (quietly: usually gone).
        cleanups.append((f"veth {outside}", lambda link=outside: subprocess.run(
            ["ip", "link", "del", link], capture_output=True)))
        _run(["ip", "link", "set", inside, "netns", namespace])
        _run(["ip", "link", "set", outside, "master", bridge])
        _run(["ip", "link", "set", outside, "up"])
        inns = ["ip", "netns", "exec", namespace]
        _run([*inns, "ip", "link", "set", "lo", "up"])
        _run([*inns, "ip", "link", "set", inside, "name", "eth0"])
        _run([*inns, "ip", "addr", "add", f"{address}/{subnet.prefixlen}", "dev", "eth0"])
        _run([*inns, "ip", "link", "set", "eth0", "up"])
        app_hosts.append(AppHost(f"host{number}", namespace, address, APP_PORT, workdir / f"host{number}.log"))
    return app_hosts


@contextlib.contextmanager
def deploy(
    *,
    hosts: int = 2,
    migrate: Path | None = None,
    ingest: Sequence[Path] = (),
    settings: Mapping[str, str] | None = None,
    workers: int = 1,
    fail_timeout: str = "2s",
    access_log: bool = False,
    say: Any = None,
) -> Iterator[Deployment]:
    """Start the deployment (``hosts`` app hosts), yield it healthy behind nginx, and tear it all down.

    The knowledge base is the SQLite file ``migrate`` copied into PostgreSQL (``healthqa migrate``) and/or the
    ``ingest`` paths (``healthqa ingest``). ``settings`` are extra HEALTHQA_* variables for the hosts.
    """
    report = say or (lambda line: None)
    tag = secrets.token_hex(3)
    # PostgreSQL's folder must be reachable by the postgres user: its own temporary folder, not the caller's.
    workdir = Path(tempfile.mkdtemp(prefix=f"healthqa-deploy-{tag}-"))
    workdir.chmod(0o755)
    cleanups: list[tuple[str, Any]] = []
    try:
        subnet = _free_subnet()
        gateway = str(subnet.network_address + 1)
        app_hosts = _network(tag, subnet, hosts, workdir, cleanups)
        report(f"network: bridge hq{tag}br {gateway}/{subnet.prefixlen}, hosts "
               + ", ".join(f"{h.namespace}={h.address}" for h in app_hosts))

        pg_bin = postgres_bin()
        assert pg_bin is not None, missing()
        postgres = Postgres(pg_bin, workdir / "postgres", free_port(), ("127.0.0.1", gateway), str(subnet))
        postgres.create()
        postgres.start()
        cleanups.append(("postgres", lambda: postgres.stop("immediate") if postgres.running() else None))
        database = "healthqa"
        postgres.create_database(database)
        report(f"postgres: {postgres.url(gateway, database)}")

        redis_port = free_port()
        redis_log = workdir / "redis.log"
        redis = subprocess.Popen(
            ["redis-server", "--port", str(redis_port), "--bind", gateway, "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(workdir), "--logfile", str(redis_log), "--protected-mode", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
        )
        cleanups.append(("redis", lambda: _terminate(redis)))
        redis_prefix = f"healthqa-deploy-{tag}:"

        ingest_root = workdir / "sources"
        ingest_root.mkdir()
        admin_token = secrets.token_hex(32)
        env = {
            "HEALTHQA_DB": postgres.url(gateway, database),
            "HEALTHQA_REDIS_URL": f"redis://{gateway}:{redis_port}/0",
            "HEALTHQA_REDIS_PREFIX": redis_prefix,
            "HEALTHQA_COMMUNITY_DB": str(workdir / "community.db"),
            "HEALTHQA_ADMIN_TOKEN": admin_token,
            "HEALTHQA_INGEST_ROOT": str(ingest_root),
            **(settings or {}),
            # nginx reaches the hosts from the bridge's address; ``settings`` may add more (a test's own clients).
            "HEALTHQA_TRUSTED_PROXIES": ",".join(
                filter(None, [gateway, (settings or {}).get("HEALTHQA_TRUSTED_PROXIES", "")])
            ),
        }
        deployment = Deployment(workdir, subnet, gateway, postgres, database, redis_port, redis_prefix,
                                free_port(), admin_token, ingest_root, app_hosts, env, cleanups)
        if migrate is not None:
            copied = deployment.healthqa("migrate", "--db", str(migrate), "--to", deployment.database_url)
            if copied.returncode != 0:
                raise RuntimeError(f"healthqa migrate failed: {copied.stderr}")
            report(copied.stdout.strip())
        for path in ingest:
            ingested = deployment.healthqa("ingest", str(path))
            if ingested.returncode != 0:
                raise RuntimeError(f"healthqa ingest {path} failed: {ingested.stderr}")
            report(ingested.stdout.strip())

        for host in app_hosts:
            deployment.start_host(host, workers)
            cleanups.append((host.name, lambda host=host: deployment.stop_host(host)))
        deployment.wait_healthy()
        report("hosts: " + ", ".join(f"{h.name} {h.url}" for h in app_hosts))

        prefix = workdir / "nginx"
        prefix.mkdir()
        config = prefix / "nginx.conf"
        config.write_text(_nginx_config(deployment, prefix, fail_timeout=fail_timeout, access_log=access_log),
                          encoding="utf-8")
        _run(["nginx", "-t", "-q", "-p", str(prefix), "-c", str(config)])
        nginx = subprocess.Popen(["nginx", "-p", str(prefix), "-c", str(config)],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        cleanups.append(("nginx", lambda: _terminate(nginx, signal.SIGQUIT)))
        wait_until(lambda: http_get(f"{deployment.proxy_url}/healthz", timeout=2)[0] == 200, 20,
                   "nginx did not answer")
        report(f"proxy: {deployment.proxy_url}")
        yield deployment
    finally:
        with _signals_held():
            for what, cleanup in reversed(cleanups):
                try:
                    cleanup()
                except Exception as error:  # keep tearing down the rest; say what is left behind
                    print(f"three_hosts: tearing down {what} failed: {error}", file=sys.stderr)
            shutil.rmtree(workdir, ignore_errors=True)


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """SIGINT and SIGTERM wait until the teardown is over: a second Ctrl-C, or ``timeout`` signalling the process
    and then its group, would otherwise interrupt it halfway and leave namespaces and servers behind."""
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held = (signal.SIGINT, signal.SIGTERM)
    signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        # A signal that came meanwhile is delivered now, after the teardown, and ends the process as it asked.
        signal.pthread_sigmask(signal.SIG_UNBLOCK, held)


def _terminate(process: subprocess.Popen[Any], how: int = signal.SIGTERM) -> None:
    if process.poll() is None:
        process.send_signal(how)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hosts", type=int, default=2, help="app hosts (default 2)")
    parser.add_argument("--workers", type=int, default=1, help="healthqa serve --workers on each host")
    parser.add_argument("--migrate", type=Path, help="a SQLite knowledge base to copy into PostgreSQL")
    parser.add_argument("--ingest", type=Path, nargs="*", default=[], help="paths to ingest into PostgreSQL")
    options = parser.parse_args(argv)
    reason = missing()
    if reason:
        print(f"three_hosts: cannot run here: {reason}", file=sys.stderr)
        return 2
    # SIGTERM tears down like Ctrl-C: the finally of deploy() runs.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    started = time.monotonic()
    try:
        with deploy(hosts=options.hosts, migrate=options.migrate, ingest=options.ingest, workers=options.workers,
                    say=lambda line: print(f"[{time.monotonic() - started:5.1f} s] {line}", flush=True)) as deployment:
            print(f"healthqa: {deployment.proxy_url} (admin token {deployment.admin_token}, ingest folder "
                  f"{deployment.ingest_root}); Ctrl-C tears it all down", flush=True)
            while True:
                time.sleep(3600)
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
