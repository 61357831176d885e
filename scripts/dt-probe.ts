/**
 * Why does a trained Decision Transformer fail a Meta-World task? Rolls it out on single episodes and
 * prints, every few steps, its action next to the task's scripted expert's at the same state. With
 * `--counterfactual`, each step is also decoded from a second context that differs in one input:
 *   hist: the past actions are the expert's at those states (does the model copy its own history?)
 *   time: the timesteps are 60 earlier (does it read the episode's progress from the timestep?)
 *   rtg:  the return-to-go stays at the target (does it read progress from the return?)
 * and the mean |action − expert| over xyz from step 40 on is printed for both contexts.
 *
 *   npx tsx scripts/dt-probe.ts --checkpoint runs/small-mt10 --task reach-v2 [--episodes 5] [--every 40] [--counterfactual hist|time|rtg] [--seed 2000]
 */
import { parseArgs } from 'node:util';
import * as torch from '../src/torch/index.ts';
import { loadDecisionTransformer } from '../src/model/load.ts';
import { ActionTokenizer } from '../src/data/action-tokenizer.ts';
import { decodeActionTokens } from '../src/model/decode.ts';
import { EpisodeContext } from '../src/eval/context.ts';
import { makeEnv, taskEntry } from '../src/envs/registry.ts';
import { scriptedPolicy } from '../src/envs/policies.ts';
import { REWARD_SCALE, targetReturn } from '../src/envs/targets.ts';

const { values } = parseArgs({
  options: {
    checkpoint: { type: 'string' },
    task: { type: 'string' },
    episodes: { type: 'string', default: '5' },
    every: { type: 'string', default: '40' },
    counterfactual: { type: 'string' },
    seed: { type: 'string', default: '2000' },
  },
});
if (!values.checkpoint || !values.task) throw new Error('--checkpoint and --task are required');
const episodes = Number(values.episodes);
const every = Number(values.every);
const seed = Number(values.seed);
const mode = values.counterfactual;
if (!Number.isInteger(episodes) || episodes < 1) throw new Error(`--episodes must be a positive integer, got ${values.episodes}`);
if (!Number.isInteger(every) || every < 1) throw new Error(`--every must be a positive integer, got ${values.every}`);
if (mode !== undefined && !['hist', 'time', 'rtg'].includes(mode)) throw new Error(`--counterfactual must be hist, time or rtg, got '${mode}'`);
const task = values.task;
if ((await taskEntry(task)).domain !== 'metaworld') throw new Error(`${task}: the probe compares with a scripted expert, which only Meta-World tasks have`);

const { model, config, stateNorm } = loadDecisionTransformer(values.checkpoint);
model.eval();
const tokenizer = new ActionTokenizer(config.actionBins);
const expert = await scriptedPolicy(task);
const scale = REWARD_SCALE.metaworld;
const shape = { numEnvs: 1, contextLength: config.contextLength, stateDim: config.stateDim, maxActDim: config.maxActDim };
const standardise = stateNorm && ((s: Float32Array, real: Uint8Array) => stateNorm.apply('metaworld', s, real));
const decode = (ctx: EpisodeContext): number[] => Array.from(torch.tidy(() => decodeActionTokens(model, ctx.toInputs(standardise), 4)), (k) => tokenizer.decode(k));
const fmt = (a: ArrayLike<number>): string => Array.from(a, (v) => v.toFixed(2)).join(',');
const error = { own: 0, alt: 0, n: 0 };

for (let ep = 0; ep < episodes; ep++) {
  const env = await makeEnv(task, { seed: seed + ep });
  let obs = env.reset(seed + ep);
  const own = new EpisodeContext(shape, tokenizer);
  const alt = new EpisodeContext(shape, tokenizer);
  const R0 = targetReturn(task) / scale;
  let R = R0;
  let ret = 0;
  for (let t = 0; t < env.maxEpisodeSteps; t++) {
    own.push(0, obs, R, t);
    if (mode) alt.push(0, obs, mode === 'rtg' ? R0 : R, mode === 'time' ? Math.max(0, t - 60) : t);
    const a = decode(own);
    const b = mode ? decode(alt) : undefined;
    const e = Array.from(expert.act(Float64Array.from(obs)), (v) => Math.max(-1, Math.min(1, v)));
    if (t >= 40) {
      for (let i = 0; i < 3; i++) {
        error.own += Math.abs(a[i]! - e[i]!);
        if (b) error.alt += Math.abs(b[i]! - e[i]!);
      }
      error.n += 3;
    }
    const r = env.step(Float64Array.from(a));
    ret += r.reward;
    if (t % every === 0 || t === env.maxEpisodeSteps - 1) {
      const hand = fmt(obs.subarray(0, 3));
      console.log(`ep ${ep} t ${t}: success ${r.info.success} | model ${fmt(a)}${b ? ` | ${mode} ${fmt(b)}` : ''} | expert ${fmt(e)} | hand ${hand} | goal ${fmt(obs.subarray(36, 39))}`);
    }
    own.complete(0, a, r.reward / scale);
    if (mode) alt.complete(0, mode === 'hist' ? e : a, r.reward / scale);
    R = Math.min(R - r.reward / scale, R0);
    obs = r.obs;
  }
  console.log(`ep ${ep}: return ${ret.toFixed(0)}`);
  env.close();
}
console.log(`mean |action - expert| over xyz from step 40: model ${(error.own / error.n).toFixed(3)}${mode ? `, ${mode} counterfactual ${(error.alt / error.n).toFixed(3)}` : ''}`);
model.dispose();
