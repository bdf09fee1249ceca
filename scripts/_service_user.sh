# Sourced by scripts/start: build and serve as an unprivileged user when started as root.
#
# The server parses what strangers send and, for the admin token's holder, reads files on the server: run as
# root, one flaw in it would hand over the machine. Started as root, scripts/start therefore builds the
# knowledge base and serves as the system user HEALTHQA_USER (default "healthqa", created with useradd --system
# when missing), keeping the knowledge base in the folder HEALTHQA_SERVICE_HOME (default /var/lib/healthqa,
# unless HEALTHQA_DB names one), which that user owns.
#
# Root never writes into, or changes owners inside, a folder the service user controls: a file there may be
# the user's link to /etc/shadow. Root only creates that folder and hands the folder itself over (chown -h, its
# parent root's alone); everything written inside (the copy of an earlier knowledge base, `healthqa ingest`,
# `healthqa sources`, taking over files an earlier root run left there) runs as the user.
#
# Whether it can switch is decided before anything is handed over: a switch tool (runuser, else setpriv), the
# user (or useradd to create it), and that the user can run .venv's Python, import healthqa and read every
# input. Where one is missing it says why and builds and serves as root with root's own data folder, as before;
# it stops instead if that would make root write into a folder others can write (a HEALTHQA_DB in the service
# user's folder, or in /tmp). HEALTHQA_RUN_AS_ROOT=1 keeps root on purpose (not advised).

SERVICE_HOME="${HEALTHQA_SERVICE_HOME:-/var/lib/healthqa}"
RUN_AS=()

_service_warn() {
  echo "warning: building and serving as root: $*" >&2
}

# _service_fallback USER MESSAGE...: say why root builds and serves; fail instead when the knowledge base's
# folder (HEALTHQA_DB's) is not root's alone (owned by another user, USER included, or writable by its group
# or by all), where root would write beside links someone may have planted.
_service_fallback() {
  local user="$1" folder
  shift
  _service_warn "$@"
  [ -n "${HEALTHQA_DB:-}" ] || return 0
  folder="$(dirname "$HEALTHQA_DB")"
  [ -e "$folder" ] || return 0
  if [ "$(stat -L -c %u "$folder")" != 0 ] || [ -n "$(find -H "$folder" -maxdepth 0 -perm /022)" ]; then
    echo "error: not building as root in $folder ($(stat -L -c '%U:%G %A' "$folder")), which others can write:" \
         "fix the cause above, or set HEALTHQA_DB to a file in a folder of root's alone" >&2
    return 1
  fi
}

# _service_readable WHO INPUT...: WHO, the user that the command prefix _SERVICE_PREFIX runs as, can run
# .venv's Python, import healthqa and read every INPUT (each file, each folder below it listed); else says
# what it cannot.
_SERVICE_PREFIX=()
_service_readable() {
  local who="$1" prefix=("${_SERVICE_PREFIX[@]}") bad
  shift
  if ! "${prefix[@]}" "$PWD/.venv/bin/python" -c 'import healthqa.app' >/dev/null 2>&1; then
    # Typically a Python installed under /root (pyenv): .venv/bin/python links to it.
    echo "$who cannot run $PWD/.venv/bin/python ($(readlink -f .venv/bin/python)) or read $PWD;" \
         "make .venv from a Python every user can run: rm -rf .venv, then scripts/start as root builds it from" \
         "/usr/bin/python3 when that is Python 3.11+ with venv"
    return 1
  fi
  [ "$#" -gt 0 ] || return 0
  if ! bad="$("${prefix[@]}" find -H "$@" \( ! -readable -o -type d ! -executable \) -print -quit 2>&1)" \
     || [ -n "$bad" ]; then
    echo "$who cannot read the inputs ($(printf '%s' "$bad" | head -n 1));" \
         "set HEALTHQA_SOURCES to a copy every user can read"
    return 1
  fi
}

_service_create_user() {
  local user="$1" shell
  shell="$(command -v nologin || true)"
  [ -n "$shell" ] || shell=/bin/false
  if getent group "$user" >/dev/null 2>&1; then
    # A group of that name already exists (useradd --user-group would fail): the user joins it.
    useradd --system --gid "$user" --home-dir "$SERVICE_HOME" --no-create-home --shell "$shell" "$user"
  else
    useradd --system --user-group --home-dir "$SERVICE_HOME" --no-create-home --shell "$shell" "$user"
  fi
}

# Creates SERVICE_HOME and hands the folder (only the folder) to USER:GROUP. Its parent must be root's alone,
# so that nobody else can put a link where the folder is between the checks and the chown.
_service_home() {
  local user="$1" group="$2" parent
  parent="$(dirname "$SERVICE_HOME")"
  mkdir -p "$parent"
  if [ "$(stat -c %u "$parent")" != 0 ] || [ -n "$(find "$parent" -maxdepth 0 -perm /022)" ]; then
    _service_warn "$parent (the parent of $SERVICE_HOME) is not root's alone"
    return 1
  fi
  if [ -L "$SERVICE_HOME" ] || { [ -e "$SERVICE_HOME" ] && [ ! -d "$SERVICE_HOME" ]; }; then
    _service_warn "$SERVICE_HOME is not a folder"
    return 1
  fi
  [ -d "$SERVICE_HOME" ] || mkdir -m 0750 "$SERVICE_HOME"
  chown -h "$user:$group" "$SERVICE_HOME" && chmod 0750 "$SERVICE_HOME"
}

# Run as the service user in the knowledge base's folder: makes the knowledge base's files its own. Files an
# earlier run as root left there are copied and the copy renamed over them (the user may replace files in its
# folder, never change what root's files hold); the rate-limit counts, disposable, are removed.
_SERVICE_ADOPT='
import os, stat, sys
db, me = sys.argv[1], os.getuid()
for suffix in ("", "-wal", "-shm", "-journal", "-ratelimit", "-ratelimit-wal", "-ratelimit-shm", "-ratelimit-journal"):
    path = db + suffix
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        continue
    if st.st_uid == me:
        continue
    if suffix.startswith("-ratelimit"):
        try:
            os.unlink(path)
        except OSError as error:
            sys.exit(f"{path} cannot be removed by this user ({error.strerror}): remove it")
        continue
    if not stat.S_ISREG(st.st_mode):
        sys.exit(f"{path} is not a regular file and not this user\x27s: remove it")
    temporary = f"{path}.adopt-{os.getpid()}"
    try:
        with open(path, "rb") as source, open(temporary, "xb") as target:
            while chunk := source.read(1 << 20):
                target.write(chunk)
            target.flush()
            os.fsync(target.fileno())
        os.chmod(temporary, stat.S_IMODE(st.st_mode) & 0o755 | 0o600)
        os.replace(temporary, path)
    except OSError as error:
        if os.path.exists(temporary):
            os.unlink(temporary)
        sys.exit(f"{path} cannot be made this user\x27s ({error.strerror}): remove it (the knowledge base is rebuilt)"
                 " or give it to the user")
    print(f"{path}: now owned by the service user", file=sys.stderr)
'

# Run as the service user: writes stdin (a standalone SQLite file) to the knowledge base's path, atomically,
# dropping the journal files of whatever was there before.
_SERVICE_RECEIVE='
import os, sys
db = sys.argv[1]
for suffix in ("-wal", "-shm", "-journal"):
    try:
        os.unlink(db + suffix)
    except FileNotFoundError:
        pass
temporary = f"{db}.copy-{os.getpid()}"
with open(temporary, "xb") as target:
    while chunk := sys.stdin.buffer.read(1 << 20):
        target.write(chunk)
    target.flush()
    os.fsync(target.fileno())
os.replace(temporary, db)
'

_SERVICE_BACKUP='
import sqlite3, sys
source, target = sqlite3.connect(sys.argv[1]), sqlite3.connect(sys.argv[2])
source.backup(target)
target.close()
source.close()
'

# Copies root's earlier knowledge base PREVIOUS to HEALTHQA_DB: root takes a consistent snapshot (SQLite's
# backup, WAL included) in a fresh private folder of its own, and the user writes it from a pipe.
_service_copy_previous() {
  local previous="$1" snapshot
  snapshot="$(mktemp -d /var/tmp/healthqa-copy.XXXXXX)"
  echo "copying the knowledge base from $previous to $HEALTHQA_DB" >&2
  if "$PWD/.venv/bin/python" -c "$_SERVICE_BACKUP" "$previous" "$snapshot/healthqa.db" \
     && "${RUN_AS[@]}" "$PWD/.venv/bin/python" -c "$_SERVICE_RECEIVE" "$HEALTHQA_DB" <"$snapshot/healthqa.db"; then
    rm -rf "$snapshot"
  else
    rm -rf "$snapshot"
    echo "error: could not copy $previous to $HEALTHQA_DB" >&2
    return 1
  fi
}

# service_plan INPUT...: before the build, as root, decide who builds and serves. Sets RUN_AS to the command
# prefix that runs as the service user (and HEALTHQA_DB to its folder's knowledge base unless set), or to ()
# with a warning; nothing is created or handed over before the checks that decide it have passed.
service_plan() {
  RUN_AS=()
  [ "$(id -u)" = 0 ] || return 0
  if [ "${HEALTHQA_RUN_AS_ROOT:-0}" = 1 ]; then
    echo "warning: HEALTHQA_RUN_AS_ROOT=1: building and serving as root" >&2
    return 0
  fi
  local user="${HEALTHQA_USER:-healthqa}" group home why folder previous="" probe=() prefix=()
  if ! command -v runuser >/dev/null 2>&1 && ! command -v setpriv >/dev/null 2>&1; then
    _service_fallback "$user" "neither runuser nor setpriv is here to switch to '$user'"
    return
  fi
  if ! id -u "$user" >/dev/null 2>&1; then
    if ! command -v useradd >/dev/null 2>&1; then
      _service_fallback "$user" "there is no user '$user' and no useradd to create it"
      return
    fi
    # Before creating it: can an unprivileged user (nobody's id, no groups) run .venv and read the inputs?
    # (setpriv execs its command while still holding root's capabilities: env, run by it, runs the rest as
    # the plain user.)
    if command -v setpriv >/dev/null 2>&1; then
      probe=(setpriv --reuid=65534 --regid=65534 --clear-groups -- env)
    elif id -u nobody >/dev/null 2>&1; then
      probe=(runuser -u nobody --)
    fi
    _SERVICE_PREFIX=(${probe[@]+"${probe[@]}"})
    if [ "${#probe[@]}" -gt 0 ] && ! why="$(_service_readable "an unprivileged user" "$@")"; then
      _service_fallback "$user" "$why"
      return
    fi
    _service_create_user "$user"
  fi
  if [ "$(id -u "$user")" = 0 ]; then
    _service_warn "HEALTHQA_USER '$user' is root"
    return 0
  fi
  group="$(id -gn "$user")"
  home="$(getent passwd "$user" | cut -d: -f6)"
  if command -v runuser >/dev/null 2>&1; then
    prefix=(runuser -u "$user" --)
  else
    prefix=(setpriv --reuid="$user" --regid="$group" --init-groups -- env HOME="${home:-$SERVICE_HOME}")
  fi
  _SERVICE_PREFIX=("${prefix[@]}")
  if ! why="$(_service_readable "user '$user'" "$@")"; then
    _service_fallback "$user" "$why"
    return
  fi
  if [ -n "${HEALTHQA_DB:-}" ]; then
    # A knowledge base the operator named: its folder must already be the user's to write (never chowned here).
    folder="$(dirname "$HEALTHQA_DB")"
    if ! "${prefix[@]}" test -w "$folder" -a -x "$folder"; then
      _service_fallback "$user" "user '$user' cannot write $folder, the folder of HEALTHQA_DB; give it a folder" \
                        "of its own, or leave HEALTHQA_DB unset"
      return
    fi
  else
    previous="$("$PWD/.venv/bin/python" -c 'from healthqa.config import database_url; print(database_url())')"
    _service_home "$user" "$group" || return 0
    export HEALTHQA_DB="$SERVICE_HOME/healthqa.db"
  fi
  # From here on the folder is the user's: every step inside runs as the user, and none falls back to root.
  RUN_AS=("${prefix[@]}")
  "${RUN_AS[@]}" "$PWD/.venv/bin/python" -c "$_SERVICE_ADOPT" "$HEALTHQA_DB"
  if [ -n "$previous" ] && [ "$previous" != "$HEALTHQA_DB" ] && [ -f "$previous" ] \
     && ! "${RUN_AS[@]}" test -e "$HEALTHQA_DB" -o -L "$HEALTHQA_DB"; then
    # A knowledge base built by an earlier start as root, in root's data folder: copied, not rebuilt, so its
    # vectors are kept (minutes of embedding).
    _service_copy_previous "$previous"
  fi
  echo "building and serving as user '$user' (knowledge base: $HEALTHQA_DB)" >&2
}
