# Sourced by scripts/start: serve as an unprivileged user when started as root.
#
# The server parses what strangers send and, for the admin token's holder, reads files on the server: run as
# root, one flaw in it would hand over the machine. Started as root, scripts/start therefore keeps the
# knowledge base in /var/lib/healthqa (unless HEALTHQA_DB says otherwise), builds it as root as before, then
# serves as the system user HEALTHQA_USER (default "healthqa", created with useradd --system when missing),
# which owns only that folder. Where this cannot be done (no useradd, no runuser or setpriv, the checkout or
# the knowledge base not readable by that user) it says why and serves as root. HEALTHQA_RUN_AS_ROOT=1 keeps
# root on purpose (not advised).

SERVICE_HOME=/var/lib/healthqa

# Before the build: as root, put the knowledge base where the service user can own it.
service_db_location() {
  RUN_AS=()
  [ "$(id -u)" = 0 ] && [ "${HEALTHQA_RUN_AS_ROOT:-0}" != 1 ] || return 0
  [ -z "${HEALTHQA_DB:-}" ] || return 0
  local previous
  previous="$(python -c 'from healthqa.config import database_url; print(database_url())')"
  mkdir -p "$SERVICE_HOME"
  export HEALTHQA_DB="$SERVICE_HOME/healthqa.db"
  if [ ! -e "$HEALTHQA_DB" ] && [ -f "$previous" ]; then
    # A knowledge base built by an earlier start (as root, in root's data folder): copied, not rebuilt, so its
    # vectors are kept (minutes of embedding). SQLite's backup copies a consistent state, WAL included.
    echo "copying the knowledge base from $previous to $HEALTHQA_DB" >&2
    python - "$previous" "$HEALTHQA_DB" <<'PY'
import sqlite3, sys
source, target = sqlite3.connect(sys.argv[1]), sqlite3.connect(sys.argv[2])
source.backup(target)
target.close()
source.close()
PY
  fi
}

# After the build: RUN_AS=(the command prefix that serves as the service user), or () with a warning.
service_user() {
  RUN_AS=()
  [ "$(id -u)" = 0 ] || return 0
  if [ "${HEALTHQA_RUN_AS_ROOT:-0}" = 1 ]; then
    echo "warning: HEALTHQA_RUN_AS_ROOT=1: serving as root" >&2
    return 0
  fi
  local user="${HEALTHQA_USER:-healthqa}" db="${HEALTHQA_DB:-}" folder
  if ! id -u "$user" >/dev/null 2>&1; then
    if ! command -v useradd >/dev/null 2>&1; then
      echo "warning: serving as root: there is no user '$user' and no useradd to create it" >&2
      return 0
    fi
    useradd --system --user-group --home-dir "$SERVICE_HOME" --no-create-home \
      --shell "$(command -v nologin || echo /bin/false)" "$user"
  fi
  local prefix=()
  if command -v runuser >/dev/null 2>&1; then
    prefix=(runuser -u "$user" --)
  elif command -v setpriv >/dev/null 2>&1; then
    prefix=(setpriv --reuid="$user" --regid="$user" --init-groups -- env HOME="$SERVICE_HOME")
  else
    echo "warning: serving as root: neither runuser nor setpriv is here to switch to '$user'" >&2
    return 0
  fi
  folder="$(dirname "$db")"
  # The user owns the knowledge base (SQLite writes its -wal and -shm files beside it, so the folder too,
  # but only a folder of its own: never chown a folder someone named that holds other things).
  chown "$user:" "$db" "$db-wal" "$db-shm" 2>/dev/null || true
  [ "$folder" = "$SERVICE_HOME" ] && chown "$user:" "$folder"
  if ! "${prefix[@]}" test -w "$db" -a -w "$folder"; then
    echo "warning: serving as root: user '$user' cannot write $db and its folder (set HEALTHQA_DB to a file" \
         "in a folder of its own, or leave it unset)" >&2
    return 0
  fi
  if ! "${prefix[@]}" "$PWD/.venv/bin/python" -c 'import healthqa.app' >/dev/null 2>&1; then
    # Typically a Python installed under /root (pyenv): .venv/bin/python links to it.
    echo "warning: serving as root: user '$user' cannot run $PWD/.venv/bin/python ($(readlink -f .venv/bin/python))" \
         "or read $PWD; make .venv from a Python that every user can run (e.g. /usr/bin/python3)" >&2
    return 0
  fi
  RUN_AS=("${prefix[@]}")
  echo "serving as user '$user'" >&2
}
