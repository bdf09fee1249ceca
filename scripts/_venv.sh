# Shared by scripts/start and scripts/test: create .venv and install healthqa into it.
ensure_venv() {
  local extra="${1:-}"
  if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
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
