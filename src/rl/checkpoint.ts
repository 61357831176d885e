/**
 * SAC checkpoints: a folder with `agent.safetensors` (actor, critics, target critics, log-alpha and
 * the three Adam states), optionally `replay.safetensors` (the buffer's transitions in time order),
 * and `checkpoint.json` (written last: config, counters, optimiser metadata, the caller's meta). The
 * folder is replaced atomically as a whole, like training checkpoints (`src/train/checkpoints.ts`):
 * written as `<dir>.tmp`, then swapped in by renames; a leftover `<dir>.old` is read when `<dir>` is
 * missing.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as torch from '../torch/index.ts';
import { completeCheckpointDir } from '../torch/checkpoint.ts';
import type { SacLearner } from './sac-learner.ts';

const FORMAT = 'l2m-sac-checkpoint';
const AGENT_FILE = 'agent.safetensors';
const REPLAY_FILE = 'replay.safetensors';
const META_FILE = torch.CHECKPOINT_FILES.meta;

interface SacCheckpointJson {
  format: typeof FORMAT;
  version: 1;
  task: string;
  seed: number;
  obsDim: number;
  actDim: number;
  config: unknown;
  counters: { steps: number; episodes: number };
  agent: Record<string, unknown>;
  replay: { added: number; size: number } | null;
  meta: unknown;
}

/** Writes `dir` through `<dir>.tmp` and renames, so `dir` is always either the old or the new folder. */
export function replaceFolderAtomically(dir: string, write: (tmp: string) => void): void {
  const tmp = `${dir}.tmp`;
  const old = `${dir}.old`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  write(tmp);
  fs.rmSync(old, { recursive: true, force: true });
  if (fs.existsSync(dir)) fs.renameSync(dir, old);
  fs.renameSync(tmp, dir);
  fs.rmSync(old, { recursive: true, force: true });
}

export function hasSacCheckpoint(dir: string): boolean {
  return completeCheckpointDir(dir) !== undefined;
}

/** Saves the learner (and its replay buffer unless `withReplay` is false) with `meta`. */
export function saveSacCheckpoint(dir: string, learner: SacLearner, opts: { meta?: unknown; withReplay?: boolean; tensors?: Record<string, torch.Tensor> } = {}): void {
  const withReplay = opts.withReplay ?? true;
  replaceFolderAtomically(dir, (tmp) => {
    const state = learner.agent.stateDict();
    torch.saveSafetensors(path.join(tmp, AGENT_FILE), { ...state.tensors, ...opts.tensors });
    if (withReplay) {
      torch.tidy(() => torch.saveSafetensors(path.join(tmp, REPLAY_FILE), learner.buffer.stateTensors()));
    }
    const json: SacCheckpointJson = {
      format: FORMAT,
      version: 1,
      task: learner.task,
      seed: learner.seed,
      obsDim: learner.agent.obsDim,
      actDim: learner.agent.actDim,
      config: learner.config,
      counters: learner.counters(),
      agent: state.meta,
      replay: withReplay ? { added: learner.buffer.added, size: learner.buffer.size } : null,
      meta: opts.meta ?? null,
    };
    torch.writeFileAtomic(path.join(tmp, META_FILE), JSON.stringify(json, null, 1) + '\n');
  });
}

export interface SacCheckpointInfo {
  /** The folder actually read (`dir` or `<dir>.old`). */
  from: string;
  task: string;
  seed: number;
  config: unknown;
  counters: { steps: number; episodes: number };
  hasReplay: boolean;
  meta: unknown;
}

export function readSacCheckpointInfo(dir: string): SacCheckpointInfo {
  const from = completeCheckpointDir(dir);
  if (!from) throw new Error(`${dir}: no complete SAC checkpoint (missing ${META_FILE})`);
  const file = path.join(from, META_FILE);
  let json: SacCheckpointJson;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8')) as SacCheckpointJson;
  } catch (err) {
    throw new Error(`${file}: malformed JSON (${(err as Error).message})`);
  }
  if (json.format !== FORMAT) throw new Error(`${file}: not an SAC checkpoint (format ${String(json.format)})`);
  return { from, task: json.task, seed: json.seed, config: json.config, counters: json.counters, hasReplay: json.replay !== null, meta: json.meta };
}

/**
 * Restores a learner built with the checkpoint's task, seed, dimensions and config. Returns the
 * checkpoint's meta and any extra tensors saved with it (caller-owned: dispose them).
 */
export function loadSacCheckpoint(dir: string, learner: SacLearner, opts: { withReplay?: boolean } = {}): { meta: unknown; extra: Record<string, torch.Tensor> } {
  const info = readSacCheckpointInfo(dir);
  const json = JSON.parse(fs.readFileSync(path.join(info.from, META_FILE), 'utf8')) as SacCheckpointJson;
  const mismatch: string[] = [];
  if (json.task !== learner.task) mismatch.push(`task ${json.task} vs ${learner.task}`);
  if (json.seed !== learner.seed) mismatch.push(`seed ${json.seed} vs ${learner.seed}`);
  if (json.obsDim !== learner.agent.obsDim || json.actDim !== learner.agent.actDim) {
    mismatch.push(`dimensions ${json.obsDim}/${json.actDim} vs ${learner.agent.obsDim}/${learner.agent.actDim}`);
  }
  if (JSON.stringify(json.config) !== JSON.stringify(learner.config)) mismatch.push('SAC config differs');
  if (mismatch.length) throw new Error(`${info.from}: checkpoint does not match this run (${mismatch.join('; ')})`);
  const agentFile = path.join(info.from, AGENT_FILE);
  const { tensors } = torch.loadSafetensors(agentFile);
  const extra: Record<string, torch.Tensor> = {};
  try {
    const own: Record<string, torch.Tensor> = {};
    for (const [k, t] of Object.entries(tensors)) (/^(nets|actorOpt|criticOpt|alphaOpt)\./.test(k) ? own : extra)[k] = t;
    learner.agent.loadStateDict(own, json.agent, agentFile);
    torch.dispose(own);
  } catch (err) {
    torch.dispose(tensors);
    throw err;
  }
  if (opts.withReplay ?? true) {
    if (!json.replay) throw new Error(`${info.from}: the checkpoint has no replay buffer`);
    const replayFile = path.join(info.from, REPLAY_FILE);
    const r = torch.loadSafetensors(replayFile);
    try {
      learner.buffer.loadState(r.tensors, json.replay.added, replayFile);
    } finally {
      torch.dispose(r.tensors);
    }
  }
  learner.restoreCounters(json.counters);
  return { meta: json.meta, extra };
}
