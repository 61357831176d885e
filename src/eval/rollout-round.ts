/**
 * One round of evaluation episodes: a batch of environments (env i seeded seed + i) driven by the model
 * until every episode has ended, conditioned on the original's target returns. Each step decodes every
 * env's action in one batch and then steps the envs.
 *
 * With `overlap`, the envs are split into two groups, each spanning every worker thread, and
 * pipelined: the workers step one group while this thread decodes the other's next actions. A row's
 * decoded logits can depend on how many rows share its batch (OpenBLAS picks its kernels by the shapes:
 * docs/performance.md, "Acting"), so the first step decodes the whole batch and each group and compares
 * their logits bit for bit. The round is pipelined only if they are equal: the kernels depend on the
 * shapes alone, which stay the same at every step. Otherwise it runs as one batch, with the same
 * results as without `overlap`.
 */
import * as torch from '../torch/index.ts';
import { ActionTokenizer } from '../data/action-tokenizer.ts';
import type { DecisionTransformer } from '../model/decision-transformer.ts';
import { decodeActionTokens } from '../model/decode.ts';
import { VectorEnv, type BatchStep } from '../envs/vector.ts';
import { REWARD_SCALE, targetReturn } from '../envs/targets.ts';
import type { Domain } from '../envs/types.ts';
import type { StateNormalizer } from '../data/state-norm.ts';
import { EpisodeContext } from './context.ts';

export interface RoundOptions {
  maxEpisodeSteps?: number;
  workers?: number;
  cached?: boolean;
  stateNorm?: StateNormalizer;
  taskIds?: Readonly<Record<string, number>>;
  overlap?: boolean;
  onStep?: (domain: Domain, step: number, maxSteps: number) => void;
}

export interface RoundOutcomes {
  returns: Float64Array;
  finalSuccess: Float64Array;
  anySuccess: Uint8Array;
}

/**
 * Env steps between two `torch.trimMalloc()` calls in a round. The process keeps freed memory in its
 * malloc heaps (src/torch/native.ts), which suits training but here leaves resident what the threads
 * freed and will not use again: V8's compilation of each round's new workers' WebAssembly, and the
 * arenas of the previous round's workers, which have exited. A call takes 4-7 ms (25 steps about 1 s).
 */
const TRIM_EVERY = 25;

/** Runs one round; writes each episode's outcome into `out`. */
export async function rolloutRound(model: DecisionTransformer, domain: Domain, envTasks: string[], seed: number, opts: RoundOptions, out: RoundOutcomes): Promise<{ envSteps: number; overlapped: boolean }> {
  const ids = opts.taskIds;
  if (ids && envTasks.some((t) => ids[t] === undefined)) throw new Error(`evaluate: no task id for ${[...new Set(envTasks.filter((t) => ids[t] === undefined))].join(', ')} (EvalOptions.taskIds)`);
  const envs = await VectorEnv.create({ tasks: envTasks, seed, maxEpisodeSteps: opts.maxEpisodeSteps, workers: opts.workers ?? VectorEnv.defaultWorkers(envTasks.length) });
  try {
    const round = new RoundEpisodes(model, domain, envTasks, envs, opts, out);
    const all = Array.from({ length: envTasks.length }, (_, i) => i);
    round.begin(all, await envs.reset(), 0);
    const groups = opts.overlap ? overlapGroups(envs) : null;
    if (!groups) return { envSteps: await sequential(round, envs, all, round.decode(all)), overlapped: false };
    const wholeLogits: Float32Array[] = [];
    const whole = round.decode(all, wholeLogits);
    const groupLogits: Float32Array[][] = [[], []];
    const first = groups.map((g, k) => round.decode(g, groupLogits[k]));
    const same = groups.every((g, k) => sameRows(wholeLogits, groupLogits[k]!, g, model.cfg.actionBins));
    if (!same) return { envSteps: await sequential(round, envs, all, whole), overlapped: false };
    return { envSteps: await pipelined(round, envs, groups, first), overlapped: true };
  } finally {
    await envs.close();
  }
}

/** Every env decoded in one batch, then stepped, until all episodes have ended; `actions` are step 0's. */
async function sequential(round: RoundEpisodes, envs: VectorEnv, all: number[], actions: Float64Array): Promise<number> {
  for (let t = 0; ; t++) {
    const step = await envs.step(actions);
    round.finish(all, actions, step);
    round.stepDone(t);
    if (round.allDone(all)) return (t + 1) * all.length;
    round.begin(all, step.obs, t + 1);
    actions = round.decode(all);
  }
}

/** The two groups in turn: group k's step t runs on the workers while the other's next actions decode. */
async function pipelined(round: RoundEpisodes, envs: VectorEnv, groups: number[][], first: Float64Array[]): Promise<number> {
  const actions = [...first];
  const stepOf = (k: number): Promise<BatchStep> => {
    const p = envs.stepRows(groups[k]!, actions[k]!);
    p.catch(() => undefined); // awaited later; a failure while the other group decodes is reported there
    return p;
  };
  const pending = groups.map((_, k) => stepOf(k));
  const completed = groups.map(() => 0);
  const active = groups.map(() => true);
  let reported = 0;
  while (active.some((a) => a)) {
    for (let k = 0; k < groups.length; k++) {
      if (!active[k]) continue;
      const g = groups[k]!;
      const step = await pending[k]!;
      round.finish(g, actions[k]!, step);
      completed[k]!++;
      if (round.allDone(g)) active[k] = false;
      else {
        round.begin(g, step.obs, completed[k]!);
        actions[k] = round.decode(g);
        pending[k] = stepOf(k);
      }
      // A step counts as done once every group still running has made it.
      const upTo = Math.min(Math.max(...completed), ...groups.map((_, j) => (active[j] ? completed[j]! : Number.POSITIVE_INFINITY)));
      for (; reported < upTo; reported++) round.stepDone(reported);
    }
  }
  return Math.max(...completed) * round.n;
}

/** Two groups of envs, each with the first or second half of every worker's envs; null when they cannot overlap. */
function overlapGroups(envs: VectorEnv): number[][] | null {
  if (envs.workerCount === 0) return null; // stepping in this thread blocks decoding
  const groups: number[][] = [[], []];
  for (const { start, count } of envs.threadRanges) {
    const half = Math.floor(count / 2);
    for (let i = 0; i < count; i++) groups[i < half ? 0 : 1]!.push(start + i);
  }
  return groups.every((g) => g.length > 0) ? groups : null;
}

/** Whether each row of `rows` has the same logits, bit for bit, in the group's decoding as in the whole batch's. */
function sameRows(whole: Float32Array[], group: Float32Array[], rows: number[], bins: number): boolean {
  if (whole.length !== group.length) return false;
  for (let d = 0; d < whole.length; d++) {
    const w = new Int32Array(whole[d]!.buffer, whole[d]!.byteOffset, whole[d]!.length);
    const g = new Int32Array(group[d]!.buffer, group[d]!.byteOffset, group[d]!.length);
    for (let j = 0; j < rows.length; j++) for (let b = 0; b < bins; b++) if (w[rows[j]! * bins + b] !== g[j * bins + b]) return false;
  }
  return true;
}

/** The episodes of a round: their contexts, returns-to-go and outcomes, updated group by group. */
class RoundEpisodes {
  readonly n: number;
  private readonly ctx: EpisodeContext;
  private readonly tokenizer: ActionTokenizer;
  private readonly scale: number;
  private readonly R0: number[];
  private readonly rtg: Float64Array;
  private readonly done: Uint8Array;
  private readonly taskIds?: Int32Array;
  private readonly standardise?: (states: Float32Array, real: Uint8Array) => void;

  constructor(
    private readonly model: DecisionTransformer,
    private readonly domain: Domain,
    envTasks: string[],
    private readonly envs: VectorEnv,
    private readonly opts: RoundOptions,
    private readonly out: RoundOutcomes,
  ) {
    const cfg = model.cfg;
    this.n = envTasks.length;
    this.scale = REWARD_SCALE[domain];
    this.tokenizer = new ActionTokenizer(cfg.actionBins);
    this.ctx = new EpisodeContext({ numEnvs: this.n, contextLength: cfg.contextLength, stateDim: cfg.stateDim, maxActDim: cfg.maxActDim }, this.tokenizer);
    this.R0 = envTasks.map((t) => targetReturn(t) / this.scale);
    this.rtg = Float64Array.from(this.R0);
    this.done = new Uint8Array(this.n);
    const ids = opts.taskIds;
    if (ids) this.taskIds = Int32Array.from(envTasks, (t) => ids[t]!);
    const norm = opts.stateNorm;
    if (norm) this.standardise = (states, real) => norm.apply(domain, states, real);
  }

  /** Starts step t of the running episodes among `rows`, whose observations are the rows of `obs`. */
  begin(rows: readonly number[], obs: Float64Array, t: number): void {
    if (t >= this.model.cfg.maxEpisodeLength) throw new Error(`evaluate: episode longer than the model's ${this.model.cfg.maxEpisodeLength} timesteps (maxEpisodeLength)`);
    const { obsDim, obsDims } = this.envs;
    rows.forEach((i, j) => {
      if (!this.done[i]) this.ctx.push(i, obs.subarray(j * obsDim, j * obsDim + obsDims[i]!), this.rtg[i]!, t);
    });
  }

  /** The actions (rows.length × actDim) the model decodes for `rows`, in one batch. */
  decode(rows: readonly number[], logits?: Float32Array[]): Float64Array {
    const all = rows.length === this.n;
    const actDim = this.envs.actDim;
    const tokens = torch.tidy(() => {
      const x = this.ctx.toInputs(this.standardise, all ? undefined : rows);
      if (this.taskIds) x.taskIds = torch.tensor(all ? this.taskIds : Int32Array.from(rows, (i) => this.taskIds![i]!), { dtype: 'int64' });
      return decodeActionTokens(this.model, x, actDim, this.opts.cached ?? true, logits);
    });
    const actions = new Float64Array(rows.length * actDim);
    for (let i = 0; i < actions.length; i++) actions[i] = this.tokenizer.decode(tokens[i]!);
    return actions;
  }

  /** Records the step `rows` took with `actions` (both in the order of `rows`). */
  finish(rows: readonly number[], actions: Float64Array, step: BatchStep): void {
    const actDim = this.envs.actDim;
    const { returns, finalSuccess, anySuccess } = this.out;
    rows.forEach((i, j) => {
      if (this.done[i]) return;
      const r = step.rewards[j]!;
      this.ctx.complete(i, actions.subarray(j * actDim, j * actDim + this.envs.actDims[i]!), r / this.scale);
      this.rtg[i] = Math.min(this.rtg[i]! - r / this.scale, this.R0[i]!);
      returns[i] += r;
      const s = step.success[j]!;
      if (s > 0) anySuccess[i] = 1;
      if (step.terminated[j] || step.truncated[j]) {
        this.done[i] = 1;
        finalSuccess[i] = Number.isNaN(s) ? Number.NaN : s > 0 ? 1 : 0;
      }
    });
  }

  allDone(rows: readonly number[]): boolean {
    return rows.every((i) => this.done[i] === 1);
  }

  /** Step t has been taken by every env. */
  stepDone(t: number): void {
    if (t % TRIM_EVERY === 0) torch.trimMalloc();
    this.opts.onStep?.(this.domain, t + 1, this.opts.maxEpisodeSteps ?? (this.domain === 'metaworld' ? 200 : 1000));
  }
}
