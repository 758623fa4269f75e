#!/usr/bin/env bash
# Prepares everything check.sh needs, on a build machine with nvcc (no GPU needed), then checks it
# on the host emulation (dry-run.sh). Usage: bash bench/gpu/prepare.sh BUNDLER
# where BUNDLER is the team's GPU bundling script (it writes .gpu/). The library is built with
# H100/H200 code only (sm_90), which keeps the bundle inside the bundler's size limit.
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: bash bench/gpu/prepare.sh BUNDLER"; exit 2; }
bundler=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
cd "$(dirname "$0")/../.."
mvn -B -q -Pbench -DskipTests -Djgrad.cuda.architectures=90-real install
cmake -S . -B target/native-cuda -DJGRAD_CUDA=ON -DJGRAD_TESTS=ON -DCMAKE_CUDA_ARCHITECTURES=90-real >/dev/null
cmake --build target/native-cuda -j2 --target jgrad_native_cuda_tests >/dev/null
# The bundler copies the JUnit jars of the test classpath and adds JUnit's console launcher, which
# holds the same classes; they are dropped here (the launcher loads the engine and the test
# classes' annotations from itself) and the bundler's 60 MiB limit is checked again after that.
# Its own size check may fail before the drop: that is the only failure let through (it writes
# .gpu/run last, so a bundle without one failed earlier).
rm -f .gpu/run
GPU_JRE_MODULES=java.base,jdk.unsupported,java.logging GPU_KEEP_JNI="jnijavacpp jnicudart jnicublas jnicublasLt jniopenblas_nolapack jninccl" \
  "$bundler" || [ -x .gpu/run ]
# jgrad-spark brings Spark (provided) and libtorch's presets (Gloo) to its test class path: the GPU
# run uses neither (NcclCheck needs the CUDA presets' NCCL binding only), so every jar that the
# core and examples modules do not use goes, with the Spark and Gloo test classes
mvn -B -q dependency:build-classpath -pl java,examples -Dmdep.includeScope=test -Dmdep.outputFile=target/gpu-keep.txt
cat java/target/gpu-keep.txt examples/target/gpu-keep.txt | tr ':' '\n' | xargs -n1 basename | sort -u > target/gpu-keep-names.txt
for j in .gpu/lib/*.jar; do
  n=$(basename "$j")
  case "$n" in junit-platform-console-standalone-*) continue;; esac
  grep -qx "$n" target/gpu-keep-names.txt || rm -f "$j"
done
rm -rf .gpu/cp/*-test-classes/org/jgrad/spark .gpu/cp/*-test-classes/org/jgrad/distributed/SingleRankTest*
# nor OpenBLAS's natives (12 MiB): the CPU side of the GPU tests multiplies on jgrad's built-in GEMM,
# as it does wherever OpenBLAS cannot load (a warning says so)
rm -f .gpu/lib/openblas-*-linux-x86_64.jar
rm -f .gpu/lib/junit-jupiter-*.jar .gpu/lib/junit-platform-commons-*.jar .gpu/lib/junit-platform-engine-*.jar \
  .gpu/lib/opentest4j-*.jar .gpu/lib/apiguardian-api-*.jar
# the property suites (jqwik, 1.1 MiB) run on the emulation in every build; the GPU run has no room for them
rm -f .gpu/lib/jqwik-*.jar && rm -rf .gpu/cp/*-test-classes/org/jgrad/property
# nor for the MNIST data (12 MiB), which only the examples' CPU tests read
rm -f .gpu/lib/rapaio-datasets-*.jar
# nor for the examples' pictures and progress bar (XChart and its PDF/SVG exporters, progressbar,
# JLine, 5 MiB): the GPU run's JRE has no java.desktop, and its tests draw nothing
rm -f .gpu/lib/xchart-*.jar .gpu/lib/VectorGraphics2D-*.jar .gpu/lib/graphics2d-*.jar .gpu/lib/pdfbox-*.jar .gpu/lib/fontbox-*.jar \
  .gpu/lib/progressbar-*.jar .gpu/lib/jline-*.jar
mkdir -p .gpu/native && cp target/native-cuda/jgrad_native_cuda_tests .gpu/native/
size=$(du -sm .gpu | cut -f1)
echo "bundle after dropping what the GPU run does not use: ${size} MiB"
[ "$size" -le 60 ] || { echo "bundle too large for the device tool (over 60 MiB)"; exit 1; }
bash bench/gpu/dry-run.sh
# The library in java/target now holds sm_90 code only: a plain `mvn install` rebuilds the full one.
