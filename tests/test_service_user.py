"""scripts/_service_user.sh: started as root, scripts/start builds and serves as an unprivileged user, and root
never writes into or changes owners inside that user's folder (issue 21, defect 2, and its security review).

The shell functions run in a throwaway folder under /tmp against a stand-in checkout (a `.venv/bin/python`
that runs /usr/bin/python3 on a stub `healthqa` package), with the folder given by HEALTHQA_SERVICE_HOME and
the existing user `nobody` as the service user: nothing is written in /var/lib and no user is created, except
in the one test of useradd, which removes its user and group again.
"""

from __future__ import annotations

import grp
import os
import pwd
import secrets
import shutil
import sqlite3
import stat
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "scripts" / "_service_user.sh"
SYSTEM_PYTHON = Path("/usr/bin/python3")


def _skip_reason() -> str | None:
    if os.geteuid() != 0:
        return "needs root (the functions switch users and chown)"
    if not (shutil.which("runuser") or shutil.which("setpriv")):
        return "neither runuser nor setpriv is installed"
    try:
        pwd.getpwnam("nobody")
    except KeyError:
        return "no user 'nobody' to serve as"
    if not SYSTEM_PYTHON.exists():
        return "no /usr/bin/python3 for the stand-in checkout"
    probe = subprocess.run(["runuser", "-u", "nobody", "--", str(SYSTEM_PYTHON), "-c", "import sqlite3"],
                           capture_output=True) if shutil.which("runuser") else None
    if probe is not None and probe.returncode != 0:
        return "user 'nobody' cannot run /usr/bin/python3"
    return None


SKIP_REASON = _skip_reason()
NOBODY = pwd.getpwnam("nobody").pw_uid if SKIP_REASON is None else -1

# The stand-in for `healthqa ingest` / `healthqa sources`: writes and reads HEALTHQA_DB in WAL mode, as the
# real one does, and says which user it ran as.
STUB_CLI = """
import os, sqlite3, sys
from healthqa.config import database_url
db = database_url()
print(f"uid={os.getuid()} {sys.argv[1]}")
connection = sqlite3.connect(db)
connection.execute("PRAGMA journal_mode=WAL")
connection.execute("CREATE TABLE IF NOT EXISTS passages (text TEXT)")
if sys.argv[1] == "ingest":
    with connection:
        connection.execute("INSERT INTO passages VALUES ('ingested')")
print(connection.execute("SELECT count(*) FROM passages").fetchone()[0], "passages")
"""


class Box:
    """A world-traversable temporary folder: the checkout, the sources, root's own data and the service home."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.checkout = base / "checkout"
        self.sources = base / "sources"
        self.root_data = base / "root-data"  # like /root/.local/share/healthqa: root's alone
        self.parent = base / "lib"  # like /var/lib: root's alone
        self.home = self.parent / "healthqa"
        self.db = self.home / "healthqa.db"
        self.secret = base / "secret"  # a file of root's that nobody may take or change

    def build(self) -> None:
        package = self.checkout / "src" / "healthqa"
        package.mkdir(parents=True)
        (package / "__init__.py").write_text("")
        (package / "app.py").write_text("")
        (package / "config.py").write_text(
            "import os\n\ndef database_url():\n"
            "    return os.environ.get('HEALTHQA_DB') or os.environ['STUB_ROOT_DB']\n")
        (self.checkout / "stub_cli.py").write_text(STUB_CLI)
        bin_folder = self.checkout / ".venv" / "bin"
        bin_folder.mkdir(parents=True)
        python = bin_folder / "python"
        python.write_text(f'#!/bin/sh\nPYTHONPATH="{self.checkout}/src" exec {SYSTEM_PYTHON} "$@"\n')
        healthqa = bin_folder / "healthqa"
        healthqa.write_text(f'#!/bin/sh\nexec {python} {self.checkout}/stub_cli.py "$@"\n')
        for executable in (python, healthqa):
            executable.chmod(0o755)
        (self.sources / "medquad").mkdir(parents=True)
        (self.sources / "medquad" / "a.xml").write_text("<Document/>")
        self.root_data.mkdir(mode=0o700)
        self.parent.mkdir(mode=0o755)
        self.secret.write_text("root's secret\n")
        self.secret.chmod(0o600)

    def run(self, script: str, **env: str) -> subprocess.CompletedProcess[str]:
        """Sources _service_user.sh in the stand-in checkout and runs SCRIPT after it (bash, set -euo pipefail)."""
        environment = {key: value for key, value in os.environ.items()
                       if not key.startswith("HEALTHQA_") and key != "PYTHONPATH"}
        environment.update(HEALTHQA_SERVICE_HOME=str(self.home), HEALTHQA_USER="nobody",
                           STUB_ROOT_DB=str(self.root_data / "healthqa.db"))
        environment.update(env)
        program = f'set -euo pipefail\ncd "{self.checkout}"\nsource "{SCRIPT}"\n{script}'
        return subprocess.run(["bash", "-c", program], env=environment, capture_output=True, text=True,
                              timeout=120)

    def as_nobody(self, *command: str) -> None:
        subprocess.run(["runuser", "-u", "nobody", "--", *command], check=True)


PLAN_AND_BUILD = """
service_plan "$PWD/../sources/medquad"
echo "RUN_AS=${RUN_AS[*]-}"
echo "HEALTHQA_DB=${HEALTHQA_DB-}"
if [ "${BUILD:-1}" = 1 ]; then
  ${RUN_AS[@]+"${RUN_AS[@]}"} "$PWD/.venv/bin/healthqa" ingest || echo "ingest failed: $?"
  ${RUN_AS[@]+"${RUN_AS[@]}"} "$PWD/.venv/bin/healthqa" sources || echo "sources failed: $?"
fi
"""


@pytest.fixture()
def box() -> Iterator[Box]:
    if SKIP_REASON is not None:
        pytest.skip(SKIP_REASON)
    base = Path(tempfile.mkdtemp(prefix="healthqa-service-", dir="/tmp"))
    base.chmod(0o755)
    try:
        made = Box(base)
        made.build()
        yield made
    finally:
        shutil.rmtree(base)


def _untouched(secret: Path) -> None:
    info = secret.lstat()
    assert (info.st_uid, info.st_gid) == (0, 0), "root's file was handed over"
    assert stat.S_IMODE(info.st_mode) == 0o600
    assert secret.read_text() == "root's secret\n", "something wrote through the planted link"


def test_builds_and_serves_as_the_user_who_owns_only_its_folder(box: Box) -> None:
    result = box.run(PLAN_AND_BUILD)
    assert result.returncode == 0, result.stderr
    assert "RUN_AS=runuser -u nobody --" in result.stdout or "RUN_AS=setpriv" in result.stdout
    assert f"HEALTHQA_DB={box.db}" in result.stdout
    assert f"uid={NOBODY} ingest" in result.stdout and f"uid={NOBODY} sources" in result.stdout
    assert "1 passages" in result.stdout
    assert box.home.stat().st_uid == NOBODY and stat.S_IMODE(box.home.stat().st_mode) == 0o750
    assert box.db.stat().st_uid == NOBODY
    assert box.parent.stat().st_uid == 0


@pytest.mark.skipif(shutil.which("setpriv") is None, reason="setpriv is not installed")
def test_setpriv_switches_when_runuser_is_missing(box: Box) -> None:
    tools = box.base / "tools"  # a PATH with what the functions use, runuser left out
    tools.mkdir()
    for name in ("bash", "cat", "chmod", "chown", "cut", "dirname", "env", "find", "getent", "head", "id", "mkdir",
                 "mktemp", "readlink", "rm", "setpriv", "stat", "test"):
        found = shutil.which(name)
        assert found is not None, name
        (tools / name).symlink_to(found)
    result = box.run(PLAN_AND_BUILD, PATH=str(tools))
    assert result.returncode == 0, result.stderr
    assert "RUN_AS=setpriv" in result.stdout
    assert f"uid={NOBODY} ingest" in result.stdout and "1 passages" in result.stdout
    assert box.home.stat().st_uid == NOBODY


def test_planted_links_are_neither_chowned_nor_written_through_by_root(box: Box) -> None:
    # The folder was handed over by an earlier start; the service user then planted links to root's file.
    box.home.mkdir(mode=0o750)
    os.chown(box.home, NOBODY, -1)
    for name in ("healthqa.db-wal", "healthqa.db-shm", "healthqa.db-journal", "healthqa.db-ratelimit"):
        box.as_nobody("ln", "-s", str(box.secret), str(box.home / name))
    result = box.run(PLAN_AND_BUILD)
    assert result.returncode == 0, result.stderr
    assert "RUN_AS=" in result.stdout and "RUN_AS=\n" not in result.stdout, result.stderr
    # The build ran as the user, whom the links only hurt: SQLite, as nobody, could not open root's file.
    assert f"uid={NOBODY} ingest" in result.stdout
    _untouched(box.secret)


def test_a_planted_database_link_does_not_make_root_copy_into_it(box: Box) -> None:
    # Root's earlier knowledge base is to be copied to the service home, where the user planted healthqa.db.
    with sqlite3.connect(box.root_data / "healthqa.db") as connection:
        connection.execute("CREATE TABLE passages (text TEXT)")
        connection.execute("INSERT INTO passages VALUES ('from root')")
    connection.close()
    box.home.mkdir(mode=0o750)
    os.chown(box.home, NOBODY, -1)
    box.as_nobody("ln", "-s", str(box.secret), str(box.db))
    result = box.run(PLAN_AND_BUILD, BUILD="0")
    assert result.returncode == 0, result.stderr
    assert "copying" not in result.stderr
    _untouched(box.secret)


def test_root_s_earlier_knowledge_base_is_copied_by_the_user(box: Box) -> None:
    with sqlite3.connect(box.root_data / "healthqa.db") as connection:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("CREATE TABLE passages (text TEXT)")
        connection.execute("INSERT INTO passages VALUES ('from root')")
    connection.close()
    result = box.run(PLAN_AND_BUILD)
    assert result.returncode == 0, result.stderr
    assert "copying the knowledge base" in result.stderr
    assert box.db.stat().st_uid == NOBODY
    assert "2 passages" in result.stdout  # root's one, and the one the user's ingest added
    assert not list(Path("/var/tmp").glob("healthqa-copy.*"))


def test_files_an_earlier_root_run_left_are_taken_over_by_copy(box: Box) -> None:
    # The service home from an earlier start that built as root: root's files in a root-owned folder.
    box.home.mkdir(mode=0o755)
    with sqlite3.connect(box.db) as connection:
        connection.execute("CREATE TABLE passages (text TEXT)")
        connection.execute("INSERT INTO passages VALUES ('old')")
    connection.close()
    (box.home / "healthqa.db-ratelimit").write_bytes(b"counts")
    (box.home / "healthqa.db-ratelimit").chmod(0o600)
    result = box.run(PLAN_AND_BUILD)
    assert result.returncode == 0, result.stderr
    assert box.db.stat().st_uid == NOBODY
    assert not (box.home / "healthqa.db-ratelimit").exists()
    assert "2 passages" in result.stdout


def _fallback_hands_nothing_over(box: Box, result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 0, result.stderr
    assert "RUN_AS=\n" in result.stdout
    assert "warning: building and serving as root" in result.stderr
    assert "uid=0 ingest" in result.stdout
    assert not box.home.exists(), "the service home was created although root serves"
    assert (box.root_data / "healthqa.db").stat().st_uid == 0  # root builds in its own folder, as before


def test_fallback_when_the_user_cannot_run_the_venv_hands_nothing_over(box: Box) -> None:
    (box.checkout / ".venv").chmod(0o700)  # like a .venv whose Python lives under /root (pyenv)
    result = box.run(PLAN_AND_BUILD)
    _fallback_hands_nothing_over(box, result)
    assert "cannot run" in result.stderr and "/usr/bin/python3" in result.stderr


def test_fallback_when_the_user_cannot_read_the_inputs_hands_nothing_over(box: Box) -> None:
    (box.sources / "medquad").chmod(0o700)
    result = box.run(PLAN_AND_BUILD)
    _fallback_hands_nothing_over(box, result)
    assert "cannot read the inputs" in result.stderr


def test_fallback_never_chowns_a_knowledge_base_the_operator_named(box: Box) -> None:
    (box.checkout / ".venv").chmod(0o700)
    named = box.root_data / "named.db"
    named.write_bytes(b"")
    result = box.run(PLAN_AND_BUILD, HEALTHQA_DB=str(named))
    assert result.returncode == 0, result.stderr
    assert "RUN_AS=\n" in result.stdout
    assert named.stat().st_uid == 0 and box.root_data.stat().st_uid == 0
    assert not box.home.exists()


def test_an_operator_named_folder_the_user_cannot_write_is_not_handed_over(box: Box) -> None:
    named = box.root_data / "named.db"
    box.root_data.chmod(0o755)
    result = box.run(PLAN_AND_BUILD, HEALTHQA_DB=str(named))
    assert result.returncode == 0, result.stderr
    assert "RUN_AS=\n" in result.stdout and "cannot write" in result.stderr
    assert box.root_data.stat().st_uid == 0 and named.stat().st_uid == 0


def test_root_refuses_to_build_in_a_folder_the_user_owns_when_it_cannot_switch(box: Box) -> None:
    # An earlier start handed the folder over; now the switch fails and the operator names a file in it.
    box.home.mkdir(mode=0o750)
    os.chown(box.home, NOBODY, -1)
    box.as_nobody("ln", "-s", str(box.secret), str(box.home / "healthqa.db-wal"))
    (box.checkout / ".venv").chmod(0o700)
    result = box.run(PLAN_AND_BUILD, HEALTHQA_DB=str(box.db))
    assert result.returncode != 0
    assert "not building as root" in result.stderr
    assert "ingest" not in result.stdout
    _untouched(box.secret)


def test_root_refuses_to_build_in_a_folder_everyone_can_write_when_it_cannot_switch(box: Box) -> None:
    shared = box.base / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    (box.checkout / ".venv").chmod(0o700)
    result = box.run(PLAN_AND_BUILD, HEALTHQA_DB=str(shared / "healthqa.db"))
    assert result.returncode != 0 and "not building as root" in result.stderr
    assert not (shared / "healthqa.db").exists()


def test_root_as_the_service_user_is_refused(box: Box) -> None:
    result = box.run(PLAN_AND_BUILD, HEALTHQA_USER="root")
    assert result.returncode == 0, result.stderr
    assert "RUN_AS=\n" in result.stdout and "is root" in result.stderr
    assert not box.home.exists()


def test_run_as_root_on_purpose(box: Box) -> None:
    result = box.run(PLAN_AND_BUILD, HEALTHQA_RUN_AS_ROOT="1")
    assert result.returncode == 0 and "RUN_AS=\n" in result.stdout
    assert "HEALTHQA_RUN_AS_ROOT=1" in result.stderr
    assert not box.home.exists()


@pytest.mark.skipif(not all(shutil.which(tool) for tool in ("useradd", "userdel", "groupadd", "groupdel")),
                    reason="useradd, userdel, groupadd or groupdel missing")
def test_useradd_joins_a_group_of_the_same_name_that_already_exists(box: Box) -> None:
    name = "hqatest" + secrets.token_hex(4)
    subprocess.run(["groupadd", "--system", name], check=True)
    try:
        result = box.run(PLAN_AND_BUILD, HEALTHQA_USER=name)
        assert result.returncode == 0, result.stderr
        user = pwd.getpwnam(name)
        assert grp.getgrgid(user.pw_gid).gr_name == name
        assert f"uid={user.pw_uid} ingest" in result.stdout
        assert box.home.stat().st_uid == user.pw_uid
    finally:
        subprocess.run(["userdel", name], capture_output=True)
        subprocess.run(["groupdel", name], capture_output=True)
    with pytest.raises(KeyError):
        pwd.getpwnam(name)
    with pytest.raises(KeyError):
        grp.getgrnam(name)


def test_the_scripts_parse() -> None:
    for script in ("start", "_service_user.sh", "_venv.sh"):
        subprocess.run(["bash", "-n", str(REPO / "scripts" / script)], check=True)
