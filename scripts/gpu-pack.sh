#!/usr/bin/env bash
# Packs what scripts/gpu-check.sh needs on a GPU machine that has PyTorch with CUDA but no Node.js:
# this machine's node binary, the N-API headers, node_modules (without the type checker and the
# plotting libraries) and the MuJoCo scenes, as .gpu/node.tar.zst (about 46 MB; git ignores .gpu/). Run it here, then hand
# `.gpu` to the device tool's `carry` with the command `bash scripts/gpu-check.sh`.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || { echo "gpu-pack: run npm install (or node scripts/setup.mjs) first" >&2; exit 1; }
node_bin=$(command -v node)
headers=$(dirname "$node_bin")/../include/node
[ -f "$headers/node_api.h" ] || headers=/usr/include/node
[ -f "$headers/node_api.h" ] || { echo "gpu-pack: no node_api.h beside $node_bin or in /usr/include/node" >&2; exit 1; }
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/node-include" .gpu
cp "$headers"/js_native_api.h "$headers"/js_native_api_types.h "$headers"/node_api.h "$headers"/node_api_types.h "$stage/node-include/"
cp "$node_bin" "$stage/node"
# The MuJoCo scenes too (5 MB packed), for the end-to-end stage: the device gets the repository alone.
assets=${L2M_ASSETS:-../shared/assets}
[ -d "$assets" ] && cp -r "$assets" "$stage/assets"
tar -cf - --exclude='node_modules/@typescript' --exclude='node_modules/typescript' --exclude='node_modules/vega*' node_modules \
  -C "$stage" . | zstd -q -10 -T0 > .gpu/node.tar.zst.tmp
mv .gpu/node.tar.zst.tmp .gpu/node.tar.zst
echo "gpu-pack: .gpu/node.tar.zst $(du -h .gpu/node.tar.zst | cut -f1) (node $(node --version))"
