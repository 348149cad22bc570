# Sourced by the comparison scripts: PY is the Python with PyTorch, from
# $BENCH_PYTHON (default .venv-bench/bin/python, relative to the repository
# root), made with
#   python3 -m venv .venv-bench && .venv-bench/bin/pip install torch numpy safetensors
# Exits with a one-line message when PyTorch is not there.
PY=${BENCH_PYTHON:-.venv-bench/bin/python}
if ! "$PY" -c "import torch" 2>/dev/null; then
    echo "bench: no PyTorch at $PY; create it with: python3 -m venv .venv-bench && .venv-bench/bin/pip install torch numpy safetensors" >&2
    exit 1
fi
