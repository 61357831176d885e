#!/usr/bin/env bash
# The GPU checks of docs/performance.md ("On a GPU"), as one command for a GPU machine with PyTorch
# (CUDA) and no Node.js, such as the device tool's: unpacks .gpu/node.tar.zst (scripts/gpu-pack.sh),
# builds the addon against that PyTorch's libtorch, then runs the GPU tests, the parity tests and the
# training benches (fp32, fp16 and bf16; the small and the paper model), then a small pre-training on
# the GPU end to end (data, fp16 training, a resume, evaluation). Logs go to $OUT (default
# /tmp/gpu-check). Stages: STAGES=build,test,bench,e2e (default all).
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-/tmp/gpu-check}
STAGES=${STAGES:-build,test,bench,e2e}
mkdir -p "$OUT"
log() { echo "[gpu-check $(date -u +%T)] $*" | tee -a "$OUT/summary.txt"; }
has() { [[ ",$STAGES," == *,$1,* ]]; }

if ! command -v node > /dev/null; then
  [ -f .gpu/node.tar.zst ] || { log "no node and no .gpu/node.tar.zst (run scripts/gpu-pack.sh here and carry .gpu)"; exit 1; }
  mkdir -p /tmp/l2m-node && zstd -dc .gpu/node.tar.zst | tar -xf - -C /tmp/l2m-node
  export PATH=/tmp/l2m-node:$PATH
  [ -e node_modules ] || ln -s /tmp/l2m-node/node_modules node_modules
fi
[ -d /tmp/l2m-node/assets ] && export L2M_ASSETS=${L2M_ASSETS:-/tmp/l2m-node/assets}
PY=${L2M_PYTHON:-}
if [ -z "$PY" ]; then for c in python3 /usr/bin/python3; do "$c" -c 'import torch' 2> /dev/null && { PY=$(command -v "$c"); break; }; done; fi
[ -n "$PY" ] || { log "no python3 with PyTorch (set L2M_PYTHON)"; exit 1; }
export L2M_PYTHON=$PY
TORCH_DIR=$("$PY" -c 'import os, torch; print(os.path.dirname(torch.__file__))')
# The libtorch of that PyTorch (its torch/ folder has include/ and lib/); LIBTORCH= (empty) keeps
# Debian's libtorch-dev, to try this script on a machine without a GPU.
LIBTORCH=${LIBTORCH-$TORCH_DIR}
if [ -n "$LIBTORCH" ]; then export LIBTORCH; else unset LIBTORCH; fi
log "node $(node --version), $("$PY" -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda, torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no GPU")')"

if has build; then
  # node-gyp is not needed: three sources, the flags binding.gyp takes from native/libtorch.cjs.
  node_inc=/tmp/l2m-node/node-include
  [ -f "$node_inc/node_api.h" ] || node_inc=$(dirname "$(command -v node)")/../include/node
  inc=$(node native/libtorch.cjs include | tr ' ' '\n' | sed 's/^/-I/' | tr '\n' ' ')
  abi=$(node native/libtorch.cjs abi)
  mkdir -p native/build/Release /tmp/l2m-obj
  ok=0
  for std in c++17 c++20; do
    log "building the addon against ${LIBTORCH:-Debian libtorch-dev} (-std=$std, ABI $abi, CUDA libraries: $(node native/libtorch.cjs cuda))"
    pids=()
    for src in native/src/*.cc; do
      g++ -c -fPIC -O2 -std=$std -fexceptions -frtti -Wno-unused-parameter -Wno-deprecated-declarations \
        -DNAPI_VERSION=8 -DNAPI_CPP_EXCEPTIONS -D_GLIBCXX_USE_CXX11_ABI=$abi \
        -Inode_modules/node-addon-api -I"$node_inc" $inc "$src" -o "/tmp/l2m-obj/$(basename "$src" .cc).o" 2>> "$OUT/build.log" &
      pids+=($!)
    done
    fail=0
    for p in "${pids[@]}"; do wait "$p" || fail=1; done
    # Linked beside, then renamed into place: a process that has the old addon loaded keeps its inode.
    if [ $fail = 0 ] && g++ -shared /tmp/l2m-obj/*.o -o native/build/Release/l2m_torch.node.new $(node native/libtorch.cjs ldflags) $(node native/libtorch.cjs libs) -ldl 2>> "$OUT/build.log"; then
      mv native/build/Release/l2m_torch.node.new native/build/Release/l2m_torch.node
      ok=1
      break
    fi
    log "build with -std=$std failed (tail of build.log):"; tail -n 30 "$OUT/build.log" | tee -a "$OUT/summary.txt"
  done
  [ $ok = 1 ] || exit 1
  log "addon built: $(node --import tsx -e "import('./src/torch/index.ts').then(t => console.log('libtorch', t.libtorchVersion(), 'cuda', t.cuda.isAvailable(), t.cuda.deviceCount()))" 2>&1)"
fi

if has test; then
  log "tests: gpu, torch-amp, model-parity, torch-pytorch-parity"
  npx tsx --test test/gpu.test.ts test/torch-amp.test.ts test/model-parity.test.ts test/torch-pytorch-parity.test.ts > "$OUT/tests.log" 2>&1
  log "tests exit $?: $(grep -E '^# (pass|fail|skipped)' "$OUT/tests.log" | tr '\n' ' ')"
  grep -E '^not ok|autocast' "$OUT/tests.log" | tee -a "$OUT/summary.txt"
fi

if has bench; then
  for size in small paper; do
    batch=256; [ $size = paper ] && batch=64
    for precision in fp32 fp16 bf16; do
      log "bench: $size model, batch $batch, cuda, $precision"
      timeout 240 npx tsx bench/dt-train.ts --device cuda --size $size --batch $batch --steps 20 --rounds 3 --precision $precision > "$OUT/bench-$size-$precision.log" 2>&1
      grep -E 'ms/update|ratio' "$OUT/bench-$size-$precision.log" | tee -a "$OUT/summary.txt"
    done
  done
fi
if has e2e; then
  # Two tasks, 200 updates in fp16 on the GPU (trained to update 100, then resumed to 200), evaluated
  # there. E2E_DEVICE=cpu E2E_PRECISION=fp32 tries the same here.
  dev=${E2E_DEVICE:-cuda}
  prec=${E2E_PRECISION:-fp16}
  d=/tmp/l2m-gpu-e2e
  rm -rf "$d"
  run=(node bin/l2m.mjs pretrain --config configs/small-mt10.yaml "data.dir=$d/data" "data.tasks=[reach-v2,push-v2]" train.steps=200 train.warmupSteps=20 train.checkpointEvery=100 eval.every=0 eval.episodes=2 "outDir=$d" name=e2e "train.device=$dev" "train.precision=$prec" --quiet)
  {
    node bin/l2m.mjs data collect --tasks reach-v2,push-v2 --episodes 6 --out "$d/data" &&
      "${run[@]/train.steps=200/train.steps=100}" &&
      "${run[@]}" --resume &&
      node bin/l2m.mjs eval --checkpoint "$d/e2e" --tasks reach-v2,push-v2 --episodes 4 --device "$dev" --json
  } > "$OUT/e2e.log" 2>&1
  log "end to end exit $?: $(tail -c 400 "$OUT/e2e.log")"
fi
log "done"
