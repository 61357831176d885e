/**
 * The `sac` collection policy: a SAC agent that learns while `collect` runs it, so the dataset is the
 * agent's replay buffer, every transition it experienced in order, as in the original's DMControl
 * data (1M transitions per task = `--episodes 1000` of 1000 steps). Acting, updates and seeds are
 * those of `trainSac` (`SacLearner`), so `l2m data collect --policy sac --seed S` stores exactly the
 * replay buffer of `l2m rl train-sac --seed S` with as many steps.
 *
 * Resuming: after every episode the agent (networks, optimisers, counters, and the final observation
 * of each episode, which the dataset does not store) is checkpointed into `<out>/<task>.sac/`, in
 * two alternating slots so one always matches the dataset's committed episodes, whatever moment a
 * run was killed at. On resume the replay buffer is rebuilt from the committed episodes.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as torch from '../torch/index.ts';
import { registerCollectPolicy, type CollectPolicy, type CollectRun, type PolicySpec } from '../data/collect-policy.ts';
import { partialDir, readPartial } from '../data/episode-writer.ts';
import { taskEntry } from '../envs/registry.ts';
import type { Env } from '../envs/types.ts';
import { hasSacCheckpoint, loadSacCheckpoint, readSacCheckpointInfo, saveSacCheckpoint } from './checkpoint.ts';
import type { SacConfig } from './sac-config.ts';
import { SacLearner } from './sac-learner.ts';

export interface SacCollectSpec {
  kind: 'sac';
  /** SAC hyper-parameters to override (see `SacConfigSchema`). */
  config?: Partial<SacConfig>;
}

/** Where the agent's state lives beside the dataset. */
export function sacStateDir(out: string, task: string): string {
  return path.join(out, `${task}.sac`);
}

/** The collector metadata of SAC data (the same whether collected task by task or batched). */
export function sacPolicyInfo(config: SacConfig, seed: number): CollectPolicy['info'] {
  return { kind: 'sac', settings: { config, seed, obsLayout: 'flat' } };
}

/** The `<out>/<task>.sac/` slot holding the agent after `episodes` episodes (two alternate). */
function stateSlot(out: string, task: string, episodes: number): string {
  return path.join(sacStateDir(out, task), episodes % 2 === 0 ? 'even' : 'odd');
}

/** SAC collects DMControl tasks only (the original's SAC data); Meta-World's data comes from its scripted experts. */
export async function checkSacTask(task: string): Promise<void> {
  const entry = await taskEntry(task); // unknown tasks fail here, naming the known ones
  if (entry.domain !== 'dmc') {
    throw new Error(`${task} is a ${entry.domain === 'metaworld' ? 'Meta-World' : entry.domain} task: the SAC collector trains on DMControl tasks (collect Meta-World data with --policy scripted or auto)`);
  }
}

/**
 * Saves the learner after an episode into its alternating slot, with the final observation of every
 * episode so far (the dataset stores none, and the replay buffer needs them on resume).
 */
export function saveSacCollectionState(out: string, learner: SacLearner, finalObs: Float32Array[]): void {
  const obsDim = learner.agent.obsDim;
  torch.tidy(() => {
    const flat = new Float32Array(finalObs.length * obsDim);
    finalObs.forEach((o, e) => flat.set(o, e * obsDim));
    const tensors = { final_obs: torch.tensor(flat, { shape: [finalObs.length, obsDim] }) };
    saveSacCheckpoint(stateSlot(out, learner.task, learner.episodes), learner, { withReplay: false, tensors, meta: { episodes: learner.episodes } });
  });
}

/**
 * Restores a fresh learner (same task, seed, dimensions, config) to the moment after `episodes`
 * committed episodes of the collection in `out`: the agent from the slot that matches them, the
 * replay buffer rebuilt from the dataset's episodes. Returns the episodes' final observations.
 */
export function restoreSacCollection(learner: SacLearner, out: string, task: string, episodes: number): Float32Array[] {
  const stateDir = sacStateDir(out, task);
  const obsDim = learner.agent.obsDim;
  const dir = [stateSlot(out, task, episodes), stateSlot(out, task, episodes + 1)].find((d) => hasSacCheckpoint(d) && readSacCheckpointInfo(d).counters.episodes === episodes);
  if (!dir) throw new Error(`${stateDir}: no SAC agent checkpoint after episode ${episodes}, so this collection cannot resume exactly (use --force to start over)`);
  const { extra } = loadSacCheckpoint(dir, learner, { withReplay: false });
  const saved = extra.final_obs;
  const finalObs: Float32Array[] = [];
  try {
    if (!saved || saved.shape[0] !== episodes) throw new Error(`${dir}: final observations missing or not ${episodes} x ${obsDim}`);
    const flat = saved.toFloat32Array();
    for (let e = 0; e < episodes; e++) finalObs.push(flat.slice(e * obsDim, (e + 1) * obsDim));
  } finally {
    torch.dispose(extra);
  }
  const ds = readPartial(partialDir(out, task));
  const { buffer, scaler } = learner;
  const A = buffer.actDim;
  for (let e = 0; e < episodes; e++) {
    const [begin, end] = [ds.episodeOffsets[e]!, ds.episodeOffsets[e + 1]!];
    for (let t = begin; t < end; t++) {
      const next = t + 1 < end ? ds.states.subarray((t + 1) * obsDim, (t + 2) * obsDim) : finalObs[e]!;
      const last = t + 1 === end;
      buffer.add(ds.states.subarray(t * obsDim, (t + 1) * obsDim), scaler.fromEnv(ds.actions.subarray(t * A, (t + 1) * A)), ds.rewards[t]!, next, ds.terminals[t] === 1, last && ds.terminals[t] !== 1);
    }
  }
  if (buffer.added !== learner.steps) throw new Error(`${dir}: the agent saw ${learner.steps} steps but the dataset's first ${episodes} episodes hold ${buffer.added}`);
  return finalObs;
}

export async function sacCollectPolicy(spec: PolicySpec, task: string, env: Env, run: CollectRun | undefined): Promise<CollectPolicy> {
  await checkSacTask(task);
  if (!run) throw new Error(`sac policy (${task}): needs the collection run (out, seed, episodes) to size its replay buffer and keep its state`);
  if (env.observationSpace.shape.length !== 1) throw new Error(`${task}: the sac policy needs flat observations (obsLayout 'flat')`);
  const config = (spec as Partial<SacCollectSpec>).config ?? {};
  const obsDim = env.observationSpace.shape[0]!;
  const learner = new SacLearner({ task, seed: run.seed, obsDim, actionSpace: env.actionSpace, config, capacity: run.episodes * env.maxEpisodeSteps });
  const stateDir = sacStateDir(run.out, task);
  const finalObs: Float32Array[] = [];
  let started = false;
  let episodeSteps = 0;

  /** Restores the agent after `episodes` committed episodes and refills the buffer from them. */
  const restore = (episodes: number): void => {
    finalObs.push(...restoreSacCollection(learner, run.out, task, episodes));
  };

  return {
    info: sacPolicyInfo(learner.config, run.seed),
    beginEpisode(ctx) {
      if (!started) {
        started = true;
        if (ctx.episode > 0) restore(ctx.episode);
        else fs.rmSync(stateDir, { recursive: true, force: true }); // a fresh collection
      }
      if (ctx.episode !== learner.episodes) throw new Error(`sac policy (${task}): episode ${ctx.episode} begun after ${learner.episodes} (episodes must run in order)`);
      learner.beginEpisode(ctx.rng);
      episodeSteps = 0;
    },
    act(obs) {
      return Float64Array.from(learner.act(obs));
    },
    observe(t) {
      episodeSteps++;
      const end = t.terminated || t.truncated || episodeSteps >= env.maxEpisodeSteps;
      learner.observe(t.obs, t.action, t.reward, t.nextObs, t.terminated, end && !t.terminated);
      if (!end) return;
      finalObs.push(Float32Array.from(t.nextObs));
      saveSacCollectionState(run.out, learner, finalObs);
    },
  };
}

/** `--policy sac`: a SAC agent learning while it collects; the dataset is its replay buffer. */
registerCollectPolicy('sac', sacCollectPolicy, import.meta.url);
