#!/usr/bin/env bash
# GPU benchmark: jgrad (org.jgrad.bench.CudaBench) beside PyTorch (torch_bench.py) on the same GPU
# in one command. Prepare on a build machine, then run on the GPU machine:
#   mvn -B -q -Pbench -DskipTests install     # builds bench/target/classes (CudaBench needs only jgrad)
#   <bundle the tree as bench/gpu/check.sh's header says, which writes .gpu/run>
#   bash bench/gpu/run.sh                     # on the GPU machine
set -uo pipefail
cd "$(dirname "$0")/../.."
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader || true
status=0
bash .gpu/run --main org.jgrad.bench.CudaBench || status=1
python3 bench/gpu/torch_bench.py || status=1  # PyTorch's half runs even when jgrad's failed
exit $status
