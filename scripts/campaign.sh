#!/usr/bin/env bash
# The measured runs behind docs/finetuning.md, docs/continual.md and docs/l2m.md, each one resumable and
# skipped once done, so a session can start (or restart) the whole campaign with one command:
#
#   mkdir -p runs && L2M_FAST_BLAS=1 setsid nohup bash scripts/campaign.sh >> runs/campaign.log 2>&1 &
#   STAGES=suite ...   # only the data, the base and the single-task suite (no continual runs)
#   METHODS="adapter lora" ...   # the suite's methods (default all nine, in the order below)
#
# Stop it with `pkill -TERM -f scripts/campaign.sh`: the whole campaign (lanes and their runs) stops, and
# the next start resumes every unfinished run from its last checkpoint. Run one campaign at a time.
#
# 0. the data (data/mt40-noisy, data/cw10-noisy; a finished collection is skipped in seconds);
# 1. the small MT40 base (configs/small-mt40.yaml); its evaluation over 50 episodes per task is the first
#    lane job, beside the suite;
# 2. single-task fine-tuning of every method on hammer, push-wall and faucet-close, then the suite's
#    table (runs/finetune/table.md, written as soon as those runs exist), then full fine-tuning on the
#    other seven CW10 tasks (the forward-transfer references); the table includes every suite run's new
#    task evaluated once more over 50 episodes, and the base's;
# 3. the CW10 continual runs of every method (configs/continual/cw10-*.yaml), then second seeds (L2M and the two strongest baselines at seed 42, L2P-Pv2 0.300 and L2 0.280).
# Steps 2 and 3 run in LANES (default 2) parallel lanes, one process of one thread each (on 2 cores two
# single-thread runs finish more updates per second together than one two-thread run). Lanes take the
# next unclaimed job from one list; a continual job waits until every reference run has finished.
# Measured 2026-12-02 on a 2-core AVX-512 machine with L2M_FAST_BLAS=1: data 5 min, base 4.7 updates/s
# (about 70 min; the 3-layer base of 2026-12-04 on a Zen 4: 3.8 updates/s, 84 min), one suite job about 5.5 min per lane (1,000 updates at 0.146 s, then 240 evaluation
# episodes), so STAGES=suite takes about 2.5 hours.
set -euo pipefail
cd "$(dirname "$0")/.."
# A stopped campaign stops everything it started (never a lane's run left going on alone).
trap 'trap - TERM INT; kill 0 2>/dev/null; exit 143' TERM INT
LANES=${LANES:-2}
STAGES=${STAGES:-suite,continual}
ONE_THREAD=(threads.intraOp=1 threads.blas=1)
SUITE_TASKS=(hammer-v2 push-wall-v2 faucet-close-v2)
# METHODS="lora adapter ..." runs a subset, or the suite in another order (the table waits for the ones listed).
read -r -a METHODS <<< "${METHODS:-full last-layers head adapter lora ia3 prompt prefix ptuning-v2}"
CW10=(hammer-v2 push-wall-v2 faucet-close-v2 push-back-v2 stick-pull-v2 handle-press-side-v2 push-v2 shelf-place-v2 window-close-v2 peg-unplug-side-v2)
# continual jobs: config file stem, then overrides (a second seed gets its own name)
CONTINUAL=(
  "full" "l2m" "packnet" "ewc" "multitask" "l2" "l2m-oracle" "l2m-ia3" "l2m seed=43 name=cw10-l2m-43" "l2p-pv2"
  "l2 seed=43 name=cw10-l2-43" "l2p-pt" "l2p-pret" "l2m-pretrain-keys" "l2p-pv2 seed=43 name=cw10-l2p-pv2-43"
  "l2m-no-penalty" "lora" "l2m-query-keys" "l2m-query-keys-pretrain"
)
# In the background and waited for: bash runs a trap only between commands, so a foreground run would
# keep a stopped campaign going until that run (a whole collection or pre-training) had finished.
l2m() { node bin/l2m.mjs "$@" & wait $!; }
stamp() { date -u +%FT%TZ; }
echo "campaign start $(stamp) OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset} L2M_FAST_BLAS=${L2M_FAST_BLAS:-unset} lanes=$LANES stages=$STAGES"

collect() { # out tasks
  local resume=(); [ -d "$1" ] && resume=(--resume)
  l2m data collect --tasks "$2" --episodes 100 --noise-schedule noisy-expert --out "$1" "${resume[@]}" > /dev/null
}
collect data/mt40-noisy MT40
collect data/cw10-noisy CW10
echo "data ready $(stamp)"

if [ ! -f runs/small-mt40/results.md ]; then
  if [ -f runs/small-mt40/config.json ]; then l2m pretrain --config configs/small-mt40.yaml --quiet --resume; else l2m pretrain --config configs/small-mt40.yaml --quiet; fi
fi
echo "base trained $(stamp)"

# One list of jobs: "base_eval", "finetune <method> <task>" or "continual <stem> [overrides...]".
JOBS=("base_eval")
for m in "${METHODS[@]}"; do for t in "${SUITE_TASKS[@]}"; do JOBS+=("finetune $m $t"); done; done
if [[ ",$STAGES," == *,continual,* ]]; then
  for t in "${CW10[@]}"; do
    case " ${SUITE_TASKS[*]} " in *" $t "*) ;; *) JOBS+=("finetune full $t") ;; esac
  done
  for c in "${CONTINUAL[@]}"; do JOBS+=("continual $c"); done
fi
REFS=()
for t in "${CW10[@]}"; do REFS+=("runs/finetune/full-${t%-v2}"); done
REF_LIST="reference.runs=[$(IFS=,; echo "${REFS[*]}")]"

# Claims live only as long as this campaign: a killed campaign's unfinished jobs are resumed by the next.
CLAIMS=runs/.campaign-claims
rm -rf "$CLAIMS"; mkdir -p "$CLAIMS" runs/campaign-logs

wait_for() { # file: until it exists, or fail once any job has failed (it may be one this waits for)
  while [ ! -f "$1" ]; do [ -e "$CLAIMS/failed" ] && return 1; sleep 30; done
}
run_base_eval() {
  [ -f runs/small-mt40/eval-50.json ] && return 0
  # `&&`: this runs in an `if` (no errexit there), and a failed evaluation must leave no eval-50.json.
  l2m eval --checkpoint runs/small-mt40 --tasks MT40 --episodes 50 --seed 7 --json --workers 1 > runs/small-mt40/.eval-50.json.tmp &&
    mv runs/small-mt40/.eval-50.json.tmp runs/small-mt40/eval-50.json
}
run_table() { # once every suite run has its results; after a failed job, the table of those that finished
  local complete=0
  for m in "${METHODS[@]}"; do for t in "${SUITE_TASKS[@]}"; do
    wait_for "runs/finetune/$m-${t%-v2}/results.json" || { complete=1; break 2; }
  done; done
  # --final-episodes: each run's new task once more over 50 episodes (and the base), beside the lanes.
  npx tsx scripts/finetune-suite.ts --report-only --final-episodes 50 --table runs/finetune/table.md "${ONE_THREAD[@]}" || return 1
  return $complete
}
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
  for r in "${REFS[@]}"; do wait_for "$r/results.json" || return 1; done
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
    if set -- $job && "run_$1" "${@:2}" >> "$log" 2>&1; then echo "lane $id done: $job ($(stamp))"; else echo "FAILED: $job (see $log)"; touch "$CLAIMS/failed"; fi
  done
}
# The suite's table, written by a waiter beside the lanes as soon as the suite's runs have finished.
{ if run_table > runs/campaign-logs/suite-table.log 2>&1; then echo "suite table written: runs/finetune/table.md ($(stamp))"; else echo "suite table FAILED (runs/campaign-logs/suite-table.log)"; fi; } &
for l in $(seq 1 "$LANES"); do lane "$l" & sleep 5; done
wait
echo "campaign done $(stamp)"
