# Shared by scripts/start and scripts/test: create .venv and install healthqa into it.

# The Python to make .venv from: python3, except as root, where the first of python3, /usr/bin/python3 and
# /usr/local/bin/python3 that an unprivileged user can run (Python 3.11+ with venv) is taken, so that
# scripts/start can serve as its service user (a pyenv Python under /root, mode 700, cannot be run by it).
venv_base_python() {
  local candidate exe probe=()
  if [ "$(id -u)" = 0 ]; then
    # setpriv execs its command while still holding root's capabilities: env, run by it, then runs the
    # interpreter as the plain user.
    if command -v setpriv >/dev/null 2>&1; then
      probe=(setpriv --reuid=65534 --regid=65534 --clear-groups -- env)
    elif command -v runuser >/dev/null 2>&1 && id -u nobody >/dev/null 2>&1; then
      probe=(runuser -u nobody --)
    fi
  fi
  if [ "${#probe[@]}" -gt 0 ]; then
    for candidate in python3 /usr/bin/python3 /usr/local/bin/python3; do
      # The interpreter itself, not a shim (pyenv's python3 on PATH is a script that runs another).
      exe="$("$candidate" -c 'import sys; print(sys.executable)' 2>/dev/null)" || continue
      if [ -n "$exe" ] && "${probe[@]}" "$exe" -c \
           'import sys, venv, ensurepip, sqlite3; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1; then
        echo "$exe"
        return 0
      fi
    done
    echo "note: no Python 3.11+ with venv that every user can run; .venv is made from python3, and" \
         "scripts/start will serve as root" >&2
  fi
  echo python3
}

ensure_venv() {
  local extra="${1:-}"
  if [ ! -x .venv/bin/python ]; then
    "$(venv_base_python)" -m venv .venv
  fi
  .venv/bin/python -m pip install --quiet --upgrade pip
  # PyTorch is pinned to the CPU build first, so no dependency pulls the CUDA build.
  .venv/bin/python -m pip install --quiet "torch==2.13.0"
  if [ -n "$extra" ]; then
    .venv/bin/python -m pip install --quiet -e ".[$extra]"
  else
    # The server: exactly the versions tested (requirements.lock, written by scripts/lock.py), then healthqa.
    .venv/bin/python -m pip install --quiet -r requirements.lock
    .venv/bin/python -m pip install --quiet --no-deps -e .
  fi
}
