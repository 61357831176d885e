#!/usr/bin/env bash
# The measured runs behind docs/finetuning.md, docs/continual.md and docs/l2m.md, each one resumable and
# skipped once done, so a session can start (or restart) the whole campaign with one command:
#
#   L2M_FAST_BLAS=1 setsid nohup bash scripts/campaign.sh >> runs/campaign.log 2>&1 &
#
# Stop it with `pkill -TERM -f scripts/campaign.sh`: the whole campaign (lanes and their runs) stops, and
# the next start resumes every unfinished run from its last checkpoint. Run one campaign at a time.
#
# 1. the small MT40 base (configs/small-mt40.yaml), then its evaluation over 50 episodes per task;
# 2. single-task fine-tuning of every method on hammer, push-wall and faucet-close, then full fine-tuning
#    on the other seven CW10 tasks (the forward-transfer references), then the suite's table;
# 3. the CW10 continual runs of every method (configs/continual/cw10-*.yaml), then second seeds (L2M and the two strongest baselines at seed 42, L2P-Pv2 0.300 and L2 0.280).
# Steps 2 and 3 run in LANES (default 2) parallel lanes, one process of one thread each (on 2 cores two
# single-thread runs finish more updates per second together than one two-thread run). Lanes take the
# next unclaimed job from one list; a continual job waits until every reference run has finished.
# Data: data/mt40-noisy and data/cw10-noisy (docs/finetuning.md has the collect commands).
set -euo pipefail
cd "$(dirname "$0")/.."
# A stopped campaign stops everything it started (never a lane's run left going on alone).
trap 'trap - TERM INT; kill 0 2>/dev/null; exit 143' TERM INT
LANES=${LANES:-2}
ONE_THREAD=(threads.intraOp=1 threads.blas=1)
SUITE_TASKS=(hammer-v2 push-wall-v2 faucet-close-v2)
METHODS=(full last-layers head adapter lora ia3 prompt prefix ptuning-v2)
CW10=(hammer-v2 push-wall-v2 faucet-close-v2 push-back-v2 stick-pull-v2 handle-press-side-v2 push-v2 shelf-place-v2 window-close-v2 peg-unplug-side-v2)
# continual jobs: config file stem, then overrides (a second seed gets its own name)
CONTINUAL=(
  "full" "l2m" "packnet" "ewc" "multitask" "l2" "l2m-oracle" "l2m-ia3" "l2m seed=43 name=cw10-l2m-43" "l2p-pv2"
  "l2 seed=43 name=cw10-l2-43" "l2p-pt" "l2p-pret" "l2m-pretrain-keys" "l2p-pv2 seed=43 name=cw10-l2p-pv2-43"
  "l2m-no-penalty" "lora" "l2m-query-keys" "l2m-query-keys-pretrain"
)
l2m() { node bin/l2m.mjs "$@"; }
stamp() { date -u +%FT%TZ; }
echo "campaign start $(stamp) OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset} lanes=$LANES"

if [ ! -f runs/small-mt40/results.md ]; then
  if [ -f runs/small-mt40/config.json ]; then l2m pretrain --config configs/small-mt40.yaml --quiet --resume; else l2m pretrain --config configs/small-mt40.yaml --quiet; fi
fi
if [ ! -f runs/small-mt40/eval-50.json ]; then
  l2m eval --checkpoint runs/small-mt40 --tasks MT40 --episodes 50 --seed 7 --json > runs/small-mt40/.eval-50.json.tmp
  mv runs/small-mt40/.eval-50.json.tmp runs/small-mt40/eval-50.json
fi
echo "base evaluated $(stamp)"

# One list of jobs: "finetune <method> <task>" or "continual <stem> [overrides...]".
JOBS=()
for m in "${METHODS[@]}"; do for t in "${SUITE_TASKS[@]}"; do JOBS+=("finetune $m $t"); done; done
for t in "${CW10[@]}"; do
  case " ${SUITE_TASKS[*]} " in *" $t "*) ;; *) JOBS+=("finetune full $t") ;; esac
done
for c in "${CONTINUAL[@]}"; do JOBS+=("continual $c"); done
REFS=()
for t in "${CW10[@]}"; do REFS+=("runs/finetune/full-${t%-v2}"); done
REF_LIST="reference.runs=[$(IFS=,; echo "${REFS[*]}")]"

# Claims live only as long as this campaign: a killed campaign's unfinished jobs are resumed by the next.
CLAIMS=runs/.campaign-claims
rm -rf "$CLAIMS"; mkdir -p "$CLAIMS" runs/campaign-logs

run_finetune() { # method task
  local dir=runs/finetune/$1-${2%-v2}
  [ -f "$dir/results.json" ] && return 0
  local resume=(); [ -f "$dir/config.json" ] && resume=(--resume)
  l2m finetune --config "configs/finetune/$1.yaml" --task "$2" --quiet "${resume[@]}" "${ONE_THREAD[@]}"
}
continual_dir() { # config overrides...
  local cfg=$1; shift
  node --import tsx -e "import { loadContinualConfig } from './src/train/continual-config.ts'; import path from 'node:path'; const c = loadContinualConfig(process.argv[1], { overrides: process.argv.slice(2) }); console.log(path.resolve(c.outDir, c.name));" "$cfg" "$@"
}
run_continual() { # stem overrides...
  local cfg=configs/continual/cw10-$1.yaml; shift
  [ -f "$cfg" ] || { echo "skip $cfg (missing)"; return 0; }
  local dir; dir=$(continual_dir "$cfg" "$@")
  [ -f "$dir/results.json" ] && return 0
  for r in "${REFS[@]}"; do while [ ! -f "$r/results.json" ]; do sleep 30; done; done
  local resume=(); [ -f "$dir/config.json" ] && resume=(--resume)
  l2m continual --config "$cfg" --quiet "${resume[@]}" "$@" "${ONE_THREAD[@]}" "$REF_LIST"
}
lane() {
  local id=$1 i=0
  for job in "${JOBS[@]}"; do
    i=$((i + 1))
    mkdir "$CLAIMS/$i" 2>/dev/null || continue
    local log=runs/campaign-logs/$(echo "$job" | tr ' =/' '_-_').log
    echo "lane $id: $job ($(stamp))"
    # shellcheck disable=SC2086
    if set -- $job && "run_$1" "${@:2}" >> "$log" 2>&1; then echo "lane $id done: $job ($(stamp))"; else echo "FAILED: $job (see $log)"; fi
  done
}
for l in $(seq 1 "$LANES"); do lane "$l" & sleep 5; done
wait
npx tsx scripts/finetune-suite.ts --report-only --table runs/finetune/table.md "${ONE_THREAD[@]}" > runs/campaign-logs/suite-table.log 2>&1 || echo "suite table FAILED (runs/campaign-logs/suite-table.log)"
echo "campaign done $(stamp)"
