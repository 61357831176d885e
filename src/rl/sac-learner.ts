/**
 * Online SAC on one task: the agent, its replay buffer and the step counter, with the training
 * protocol of pytorch_sac: uniformly random actions for the first `seedSteps` steps, then actions
 * sampled from the policy; one update per environment step once the buffer holds more than
 * `seedSteps` transitions.
 *
 * Every random draw derives from (run seed, task, index), so runs reproduce bit for bit and resume
 * exactly from a checkpoint taken between episodes:
 *   episode e: reset seed `deriveSeed(seed, task, e, 'reset')`, action noise from an Rng seeded
 *              `deriveSeed(seed, task, e, 'policy')` (the same seeds `l2m data collect` uses);
 *   update after step s: torch generator `deriveSeed(seed, task, s, 'update')`, batch indices
 *              `deriveSeed(seed, task, s, 'batch')`; initial weights `deriveSeed(seed, task, 'init')`.
 */
import * as torch from '../torch/index.ts';
import { Rng } from '../envs/rng.ts';
import type { BoxSpace } from '../envs/types.ts';
import { deriveSeed } from '../data/seeds.ts';
import { ReplayBuffer } from './replay-buffer.ts';
import type { SacBatch } from './replay-buffer.ts';
import { SacAgent, type SacUpdateStats, type UpdateNoise } from './sac.ts';
import type { SacConfig } from './sac-config.ts';

export const resetSeed = (seed: number, task: string, episode: number): number => deriveSeed(seed, task, episode, 'reset');
export const policySeed = (seed: number, task: string, episode: number): number => deriveSeed(seed, task, episode, 'policy');

/** Maps actions between the agent's [-1, 1] box and the environment's bounds. */
export class ActionScaler {
  private readonly identity: boolean;
  constructor(readonly space: BoxSpace) {
    for (let i = 0; i < space.low.length; i++) {
      if (!Number.isFinite(space.low[i]) || !Number.isFinite(space.high[i]) || !(space.high[i]! > space.low[i]!)) {
        throw new Error(`SAC needs a bounded action space; dimension ${i} is [${space.low[i]}, ${space.high[i]}]`);
      }
    }
    this.identity = space.low.every((l) => l === -1) && space.high.every((h) => h === 1);
  }
  /** Agent action in [-1, 1] -> environment action. */
  toEnv(a: Float32Array): Float32Array {
    if (this.identity) return a;
    const { low, high } = this.space;
    return a.map((v, i) => low[i]! + ((v + 1) / 2) * (high[i]! - low[i]!));
  }
  /** Environment action -> agent action in [-1, 1]. */
  fromEnv(a: ArrayLike<number>): Float32Array {
    if (this.identity) return Float32Array.from(a);
    const { low, high } = this.space;
    return Float32Array.from(a, (v, i) => (2 * (v - low[i]!)) / (high[i]! - low[i]!) - 1);
  }
}

export interface SacLearnerOptions {
  task: string;
  seed: number;
  obsDim: number;
  actionSpace: BoxSpace;
  config?: Partial<SacConfig>;
  /** Replay capacity (transitions); the whole run fits by default in the callers. */
  capacity: number;
}

export class SacLearner {
  readonly agent: SacAgent;
  readonly buffer: ReplayBuffer;
  readonly scaler: ActionScaler;
  readonly task: string;
  readonly seed: number;
  /** Environment steps taken (= transitions observed). */
  steps = 0;
  /** Episodes begun. */
  episodes = 0;
  private rng: Rng | undefined;
  private readonly batchRng = new Rng(0);

  constructor(opts: SacLearnerOptions) {
    this.task = opts.task;
    this.seed = opts.seed;
    this.scaler = new ActionScaler(opts.actionSpace);
    const actDim = opts.actionSpace.low.length;
    torch.manualSeed(deriveSeed(opts.seed, opts.task, 'init'));
    this.agent = new SacAgent(opts.obsDim, actDim, opts.config);
    this.buffer = new ReplayBuffer(opts.capacity, opts.obsDim, actDim);
  }

  get config(): SacConfig {
    return this.agent.config;
  }

  /** Starts episode `this.episodes` with its noise generator (returns its reset seed). */
  beginEpisode(rng?: Rng): number {
    const e = this.episodes++;
    this.rng = rng ?? new Rng(policySeed(this.seed, this.task, e));
    return resetSeed(this.seed, this.task, e);
  }

  /** The environment action for `obs` (random during the seed steps, then sampled from the policy), as float32. */
  act(obs: ArrayLike<number>): Float32Array {
    return this.actWith((rng) => this.agent.act(obs, rng));
  }

  /** True while actions are uniformly random (the seed steps): the policy is not asked. */
  get actsRandomly(): boolean {
    return this.steps < this.config.seedSteps;
  }

  /**
   * `act` with the policy's [-1, 1] action sampled by `policy` from this episode's generator (the
   * batched SAC computes the actor of many tasks at once and samples each task with `squashedAction`).
   */
  actWith(policy: (rng: Rng) => Float32Array): Float32Array {
    const rng = this.rng;
    if (!rng) throw new Error('SacLearner.act() before beginEpisode()');
    if (this.actsRandomly) {
      const a = new Float32Array(this.agent.actDim);
      const { low, high } = this.scaler.space;
      for (let i = 0; i < a.length; i++) a[i] = rng.uniform(low[i]!, high[i]!);
      return a;
    }
    return this.scaler.toEnv(policy(rng));
  }

  /** Stores a transition (with the environment action) and runs the update it is due. */
  observe(obs: ArrayLike<number>, envAction: ArrayLike<number>, reward: number, nextObs: ArrayLike<number>, terminated: boolean, truncated: boolean): SacUpdateStats | undefined {
    const s = this.store(obs, envAction, reward, nextObs, terminated, truncated);
    return s === undefined ? undefined : torch.tidy(() => this.agent.update(...this.updateInputs(s)));
  }

  /**
   * Stores a transition without updating; returns the step whose update is now due (undefined
   * during the seed steps). `updateInputs(step)` gives that update's batch and noise.
   */
  store(obs: ArrayLike<number>, envAction: ArrayLike<number>, reward: number, nextObs: ArrayLike<number>, terminated: boolean, truncated: boolean): number | undefined {
    const s = this.steps++;
    this.buffer.add(obs, this.scaler.fromEnv(envAction), reward, nextObs, terminated, truncated);
    return this.buffer.added <= this.config.seedSteps ? undefined : s;
  }

  /**
   * The batch and noise of the update after step `step` (tensors in the caller's tidy scope): batch
   * indices from `deriveSeed(seed, task, step, 'batch')`, the two [B, A] noise draws from torch's
   * generator seeded `deriveSeed(seed, task, step, 'update')` (in the order `SacAgent.update` draws
   * them), so no other task's draws come in between.
   */
  updateInputs(step: number): [SacBatch, UpdateNoise] {
    torch.manualSeed(deriveSeed(this.seed, this.task, step, 'update'));
    const shape = [this.config.batchSize, this.agent.actDim];
    const noise = { next: torch.randn(shape), current: torch.randn(shape) };
    this.batchRng.seed(deriveSeed(this.seed, this.task, step, 'batch'));
    return [this.buffer.sample(this.config.batchSize, this.batchRng), noise];
  }

  /** Deterministic actions tanh(mu), in environment units. */
  actDeterministic(obs: ArrayLike<number>): Float32Array {
    return this.scaler.toEnv(this.agent.act(obs));
  }

  /** Counters to store beside `agent.stateDict()` (restore with `restoreCounters`). */
  counters(): { steps: number; episodes: number } {
    return { steps: this.steps, episodes: this.episodes };
  }

  restoreCounters(c: { steps: number; episodes: number }): void {
    this.steps = c.steps;
    this.episodes = c.episodes;
    this.rng = undefined;
  }

  dispose(): void {
    this.agent.dispose();
  }
}
