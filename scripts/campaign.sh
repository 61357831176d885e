#!/usr/bin/env bash
# The measured runs behind docs/finetuning.md, docs/continual.md and docs/l2m.md, in order, each one
# resumable and skipped once done, so a session can start (or restart) it with one command:
#
#   OPENBLAS_CORETYPE=SkylakeX nohup bash scripts/campaign.sh > runs/campaign.log 2>&1 &
#
# 1. the small MT40 base (configs/small-mt40.yaml), then its evaluation over 50 episodes per task;
# 2. single-task fine-tuning of every method on the first three CW10 tasks (scripts/finetune-suite.ts);
# 3. the CW10 continual runs of every method (configs/continual/cw10-*.yaml).
# Data: data/mt40-noisy and data/cw10-noisy (docs/finetuning.md has the collect commands).
set -euo pipefail
cd "$(dirname "$0")/.."
l2m() { node bin/l2m.mjs "$@"; }
echo "campaign start $(date -u +%FT%TZ) OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}"

if [ ! -f runs/small-mt40/results.md ]; then
  if [ -f runs/small-mt40/config.json ]; then l2m pretrain --config configs/small-mt40.yaml --quiet --resume; else l2m pretrain --config configs/small-mt40.yaml --quiet; fi
fi
if [ ! -f runs/small-mt40/eval-50.json ]; then
  l2m eval --checkpoint runs/small-mt40 --tasks MT40 --episodes 50 --seed 7 --json > runs/small-mt40/.eval-50.json.tmp
  mv runs/small-mt40/.eval-50.json.tmp runs/small-mt40/eval-50.json
fi
echo "base evaluated $(date -u +%FT%TZ)"

npx tsx scripts/finetune-suite.ts --table runs/finetune/table.md
echo "fine-tuning suite done $(date -u +%FT%TZ)"

for m in full lora ewc l2 packnet multitask l2m l2m-ia3 l2m-oracle l2p-pt l2p-pret l2p-pv2; do
  cfg=configs/continual/cw10-$m.yaml
  [ -f "$cfg" ] || { echo "skip $m (no $cfg)"; continue; }
  dir=$(node --import tsx -e "import { loadContinualConfig } from './src/train/continual-config.ts'; import path from 'node:path'; const c = loadContinualConfig('$cfg'); console.log(path.resolve(c.outDir, c.name));")
  [ -f "$dir/results.json" ] && { echo "done $m"; continue; }
  if [ -f "$dir/config.json" ]; then l2m continual --config "$cfg" --quiet --resume; else l2m continual --config "$cfg" --quiet; fi
  echo "continual $m done $(date -u +%FT%TZ)"
done
echo "campaign done $(date -u +%FT%TZ)"
