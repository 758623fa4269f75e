#!/usr/bin/env bash
# GPU benchmark: jgrad (org.jgrad.bench.CudaBench) beside PyTorch (torch_bench.py) on the same GPU
# in one command. Prepare on a build machine, then run on the GPU machine:
#   mvn -B -q -Pbench -DskipTests install     # builds bench/target/classes (CudaBench needs only jgrad)
#   <bundle the tree with the team's GPU bundling script, which writes .gpu/run>
#   bash bench/gpu/run.sh                     # on the GPU machine
set -euo pipefail
cd "$(dirname "$0")/../.."
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader || true
bash .gpu/run --main org.jgrad.bench.CudaBench
python3 bench/gpu/torch_bench.py
