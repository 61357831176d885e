/**
 * `collect(task, policy, opts)`: runs a policy on a task for N episodes and writes the dataset
 * `<out>/<task>.npz`, committing every finished episode as it goes (see `episode-writer.ts`).
 *
 * Episode e is reset with seed `deriveSeed(seed, task, e, 'reset')` and the policy's generator is
 * seeded with `deriveSeed(seed, task, e, 'policy')`: episodes do not depend on each other, so a
 * resumed run (`resume: true`) produces exactly the data of an uninterrupted one (for policies whose
 * actions depend only on the observation and that generator, e.g. the noisy experts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { makeEnv } from '../envs/registry.ts';
import { Rng } from '../envs/rng.ts';
import type { Env, Policy } from '../envs/types.ts';
import type { CollectPolicy } from './collect-policy.ts';
import { readDatasetMeta, type Dataset, type DatasetDescription } from './dataset.ts';
import { EpisodeWriter, finalPath, partialDir, stableJson } from './episode-writer.ts';
import { MODEL_ACTION_DIM, layoutDim } from './layout.ts';
import { deriveSeed } from './seeds.ts';
import { taskInfoFromEnv } from './task-info.ts';

export interface EpisodeSummary {
  task: string;
  episode: number;
  episodes: number;
  steps: number;
  return: number;
  /** Meta-World: `info.success` at the last step (the evaluation's success). */
  success?: boolean;
}

export interface CollectOptions {
  /** Output directory; the dataset is `<out>/<task>.npz`. */
  out: string;
  episodes: number;
  seed?: number;
  /** Continue an interrupted run (same settings); a finished one is left as it is. */
  resume?: boolean;
  /** Replace existing output. */
  force?: boolean;
  /** Environment to use (default: `makeEnv(task, { obsLayout: 'flat' })`, closed afterwards). */
  env?: Env;
  maxEpisodeSteps?: number;
  onEpisode?(e: EpisodeSummary): void;
  /** Checked between episodes; returning true stops early (the run can be resumed). */
  shouldStop?(): boolean;
}

export interface CollectResult {
  task: string;
  path: string;
  episodes: number;
  transitions: number;
  /** The dataset was already complete (resume). */
  skipped: boolean;
  /** Stopped by `shouldStop` before the last episode. */
  stopped: boolean;
}

/**
 * The description of a dataset collected on `env` (what `EpisodeWriter.open` takes): domain, native
 * observation layout and action bounds from the environment, and who collected it.
 */
export function describeDataset(task: string, env: Env, collector: DatasetDescription['collector'], seed: number | null): DatasetDescription {
  const info = taskInfoFromEnv(env);
  const dim = info.actionLow!.length;
  if (dim > MODEL_ACTION_DIM) throw new Error(`${task}: ${dim}-d actions exceed the model's ${MODEL_ACTION_DIM}`);
  return { task, domain: info.domain, observation: info.observation!, action: { dim, low: info.actionLow!, high: info.actionHigh! }, collector, seed };
}

/** A scripted collector's after-success behaviour: datasets from before the setting existed continued. */
const afterSuccessOf = (c: DatasetDescription['collector']): string => (c.kind === 'scripted' ? String(c.settings.afterSuccess ?? 'continue') : '');

/**
 * Resuming output collected with another after-success behaviour (`--after-success`) is refused with
 * a message that names both, before the generic settings check (a default changed under old data).
 */
function checkAfterSuccess(out: string, task: string, want: DatasetDescription['collector']): void {
  let have: DatasetDescription['collector'] | undefined;
  let where = finalPath(out, task);
  if (fs.existsSync(where)) have = readDatasetMeta(where).collector;
  else {
    where = partialDir(out, task);
    try {
      have = (JSON.parse(fs.readFileSync(path.join(where, 'manifest.json'), 'utf8')) as { description?: DatasetDescription }).description?.collector;
    } catch {
      return; // nothing to resume, or a broken manifest: EpisodeWriter reports it
    }
  }
  if (!have || have.kind !== 'scripted' || want.kind !== 'scripted') return;
  const [h, w] = [afterSuccessOf(have), afterSuccessOf(want)];
  if (h === w) return;
  throw new Error(
    `${where} was collected with --after-success ${h}${h === 'continue' ? ' (the behaviour before the option existed)' : ''}, ` +
      `this run asks for ${w}: pass --after-success ${h} to resume it, or use another --out or --force`,
  );
}

function asCollectPolicy(p: Policy | CollectPolicy): CollectPolicy {
  return 'info' in p ? (p as CollectPolicy) : Object.assign(Object.create(p) as Policy, { act: p.act.bind(p), info: { kind: 'custom', settings: {} } });
}

/**
 * Opens the output of `task` collected by a policy described by `info`: the dataset's writer (new, or
 * resumed with the same settings), or, when resuming a dataset that is already complete with these
 * settings, its result (`skipped`). Errors name what differs.
 */
export function openCollection(
  task: string,
  env: Env,
  info: CollectPolicy['info'],
  opts: { out: string; episodes: number; seed: number; resume?: boolean; force?: boolean },
): { skipped: CollectResult } | { writer: EpisodeWriter; desc: DatasetDescription; withSuccess: boolean } {
  const { episodes, seed } = opts;
  const final = finalPath(opts.out, task);
  const settings = { episodes, seed, maxEpisodeSteps: env.maxEpisodeSteps, policy: info };
  const desc = describeDataset(task, env, { kind: info.kind, settings: { ...info.settings, episodes, maxEpisodeSteps: env.maxEpisodeSteps } }, seed);
  if (opts.resume && !opts.force) checkAfterSuccess(opts.out, task, desc.collector);
  if (opts.resume && !opts.force && fs.existsSync(final)) {
    const meta = readDatasetMeta(final);
    if (meta.counts.episodes !== episodes || meta.seed !== seed) {
      throw new Error(`${final} is complete with ${meta.counts.episodes} episodes (seed ${meta.seed}); asked for ${episodes} (seed ${seed}): use another --out or --force`);
    }
    if (stableJson(meta.collector) !== stableJson(desc.collector)) {
      throw new Error(`${final} is complete but was collected with other settings (${meta.collector.kind} ${stableJson(meta.collector.settings)}): use another --out or --force`);
    }
    fs.rmSync(partialDir(opts.out, task), { recursive: true, force: true }); // left over if killed while finishing
    return { skipped: { task, path: final, episodes, transitions: meta.counts.transitions, skipped: true, stopped: false } };
  }
  const withSuccess = desc.domain === 'metaworld';
  const writer = EpisodeWriter.open(opts.out, desc, settings, { resume: opts.resume, force: opts.force, withSuccess });
  return { writer, desc, withSuccess };
}

/** Runs `policy` on `task` and writes its dataset. */
export async function collect(task: string, policy: Policy | CollectPolicy, opts: CollectOptions): Promise<CollectResult> {
  const episodes = opts.episodes;
  if (!Number.isInteger(episodes) || episodes < 1) throw new Error(`collect: episodes must be a positive integer, got ${episodes}`);
  const seed = opts.seed ?? 0;
  const pi = asCollectPolicy(policy);
  const final = finalPath(opts.out, task);
  const env = opts.env ?? (await makeEnv(task, { obsLayout: 'flat', maxEpisodeSteps: opts.maxEpisodeSteps }));
  try {
    const opened = openCollection(task, env, pi.info, { ...opts, episodes, seed });
    if ('skipped' in opened) return opened.skipped;
    const { writer, desc, withSuccess } = opened;
    let stopped = false;
    try {
      const obsDim = layoutDim(desc.observation);
      const actDim = desc.action.dim;
      const { low, high } = env.actionSpace;
      let cap = env.maxEpisodeSteps;
      let states = new Float32Array(cap * obsDim);
      let actions = new Float32Array(cap * actDim);
      let rewards = new Float32Array(cap);
      let terminals = new Uint8Array(cap);
      let timeouts = new Uint8Array(cap);
      let successes = new Uint8Array(cap);
      const action = new Float32Array(actDim);
      const rng = new Rng(0);
      for (let e = writer.episodes; e < episodes; e++) {
        if (opts.shouldStop?.()) {
          stopped = true;
          break;
        }
        const resetSeed = deriveSeed(seed, task, e, 'reset');
        rng.seed(deriveSeed(seed, task, e, 'policy'));
        pi.beginEpisode?.({ task, episode: e, episodes, seed: resetSeed, rng });
        let obs = env.reset(resetSeed);
        let n = 0;
        let ret = 0;
        for (;;) {
          if (obs.length !== obsDim) throw new Error(`${task}: observation has ${obs.length} values, expected ${obsDim}`);
          if (n === cap) {
            cap *= 2;
            const grow = <T extends Float32Array | Uint8Array>(a: T, w: number): T => {
              const b = new (a.constructor as new (n: number) => T)(cap * w);
              b.set(a);
              return b;
            };
            states = grow(states, obsDim);
            actions = grow(actions, actDim);
            rewards = grow(rewards, 1);
            terminals = grow(terminals, 1);
            timeouts = grow(timeouts, 1);
            successes = grow(successes, 1);
          }
          // Checks a policy's action (or label) and writes it, clipped to the action space, at dst[offset].
          const clipInto = (src: ArrayLike<number>, dst: Float32Array, offset: number, verb: string): void => {
            if (src.length !== actDim) throw new Error(`${task}: policy ${verb} ${src.length} action values, expected ${actDim}`);
            for (let i = 0; i < actDim; i++) {
              const a = src[i]!;
              if (!Number.isFinite(a)) throw new Error(`${task}: policy ${verb} action[${i}] = ${a} (episode ${e}, step ${n})`);
              dst[offset + i] = a < low[i] ? low[i] : a > high[i] ? high[i] : a;
            }
          };
          clipInto(pi.act(obs), action, 0, 'returned');
          const r = env.step(action);
          const stored = pi.label?.();
          if (!Number.isFinite(r.reward)) throw new Error(`${task}: the environment returned reward ${r.reward} (episode ${e}, step ${n})`);
          for (let i = 0; i < obsDim; i++) if (!Number.isFinite(obs[i])) throw new Error(`${task}: observation[${i}] is ${obs[i]} (episode ${e}, step ${n})`);
          states.set(obs, n * obsDim);
          if (stored) clipInto(stored, actions, n * actDim, 'labelled');
          else actions.set(action, n * actDim);
          rewards[n] = r.reward;
          terminals[n] = r.terminated ? 1 : 0;
          timeouts[n] = r.truncated && !r.terminated ? 1 : 0;
          successes[n] = r.info.success ? 1 : 0;
          ret += r.reward;
          n++;
          pi.observe?.({ obs, action: action.slice(), reward: r.reward, nextObs: r.obs, terminated: r.terminated, truncated: r.truncated, success: r.info.success === undefined ? undefined : r.info.success !== 0 });
          obs = r.obs;
          if (r.terminated || r.truncated) break;
          if (n >= env.maxEpisodeSteps) {
            timeouts[n - 1] = 1; // the environment did not truncate at its own limit: end the episode here
            break;
          }
        }
        writer.append({
          states: states.subarray(0, n * obsDim),
          actions: actions.subarray(0, n * actDim),
          rewards: rewards.subarray(0, n),
          terminals: terminals.subarray(0, n),
          timeouts: timeouts.subarray(0, n),
          successes: withSuccess ? successes.subarray(0, n) : undefined,
          seed: resetSeed,
        });
        opts.onEpisode?.({ task, episode: e, episodes, steps: n, return: ret, success: withSuccess ? successes[n - 1] === 1 : undefined });
        // Let messages (progress, stop requests, signals) through between episodes.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      if (stopped) {
        writer.close();
        return { task, path: partialDir(opts.out, task), episodes: writer.episodes, transitions: writer.transitions, skipped: false, stopped };
      }
      const ds: Dataset = writer.finalize();
      return { task, path: final, episodes: ds.meta.counts.episodes, transitions: ds.meta.counts.transitions, skipped: false, stopped };
    } catch (err) {
      writer.close();
      throw err;
    }
  } finally {
    if (!opts.env) env.close();
  }
}
