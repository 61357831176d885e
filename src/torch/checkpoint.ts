/**
 * Checkpoints: a folder with model.safetensors (the module's state dict, readable by PyTorch and
 * Hugging Face tools), optimizer.safetensors (optimizer state tensors, when given) and
 * checkpoint.json (user metadata, optimizer hyper-parameters and steps, scheduler state). Each file
 * is written atomically; checkpoint.json is written last, so a folder with it is complete.
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadSafetensors, saveSafetensors } from './safetensors.ts';
import { writeFileAtomic } from './atomic-write.ts';
import { dispose, tidy } from './scope.ts';
import type { Module } from './nn/module.ts';
import type { Optimizer, OptimizerState } from './optim/optimizer.ts';
import type { LambdaLR } from './optim/schedules.ts';

export const CHECKPOINT_FILES = { model: 'model.safetensors', optimizer: 'optimizer.safetensors', meta: 'checkpoint.json' } as const;

interface CheckpointJson {
  format: 'l2m-checkpoint';
  version: 1;
  meta: unknown;
  optimizer?: OptimizerState['meta'];
  scheduler?: ReturnType<LambdaLR['stateDict']>;
}

export interface SaveCheckpointOptions {
  model: Module;
  optimizer?: Optimizer<{ lr: number }>;
  scheduler?: LambdaLR;
  /** Any JSON-serialisable data (config, step, metrics). */
  meta?: unknown;
}

export function saveCheckpoint(dir: string, opts: SaveCheckpointOptions): void {
  fs.mkdirSync(dir, { recursive: true });
  saveSafetensors(path.join(dir, CHECKPOINT_FILES.model), opts.model.stateDict());
  const json: CheckpointJson = { format: 'l2m-checkpoint', version: 1, meta: opts.meta ?? null };
  if (opts.optimizer) {
    const st = opts.optimizer.stateDict();
    saveSafetensors(path.join(dir, CHECKPOINT_FILES.optimizer), st.tensors);
    json.optimizer = st.meta;
  }
  if (opts.scheduler) json.scheduler = opts.scheduler.stateDict();
  writeFileAtomic(path.join(dir, CHECKPOINT_FILES.meta), JSON.stringify(json, null, 2) + '\n');
}

export interface LoadCheckpointOptions {
  model: Module;
  optimizer?: Optimizer<{ lr: number }>;
  scheduler?: LambdaLR;
  /** Require the model's keys to match exactly (default true). */
  strict?: boolean;
}

/** Restores model (and optimizer / scheduler when given) from a checkpoint folder; returns its meta. */
export function loadCheckpoint(dir: string, opts: LoadCheckpointOptions): unknown {
  const metaFile = path.join(dir, CHECKPOINT_FILES.meta);
  if (!fs.existsSync(metaFile)) throw new Error(`${metaFile}: no such file (not a checkpoint folder, or an incomplete one)`);
  let json: CheckpointJson;
  try {
    json = JSON.parse(fs.readFileSync(metaFile, 'utf8')) as CheckpointJson;
  } catch (err) {
    throw new Error(`${metaFile}: malformed JSON (${(err as Error).message})`);
  }
  if (json.format !== 'l2m-checkpoint') throw new Error(`${metaFile}: not an l2m checkpoint (format ${String(json.format)})`);
  const modelFile = path.join(dir, CHECKPOINT_FILES.model);
  tidy(() => {
    const { tensors } = loadSafetensors(modelFile);
    opts.model.loadStateDict(tensors, { strict: opts.strict ?? true, source: modelFile });
  });
  if (opts.optimizer) {
    const optFile = path.join(dir, CHECKPOINT_FILES.optimizer);
    if (!json.optimizer) throw new Error(`${metaFile}: the checkpoint has no optimizer state`);
    const loaded = loadSafetensors(optFile);
    try {
      opts.optimizer.loadStateDict({ tensors: loaded.tensors, meta: json.optimizer }, optFile);
    } finally {
      dispose(loaded.tensors);
    }
  }
  if (opts.scheduler) {
    if (!json.scheduler) throw new Error(`${metaFile}: the checkpoint has no scheduler state`);
    opts.scheduler.loadStateDict(json.scheduler);
  }
  return json.meta;
}

/**
 * Writes a checkpoint folder atomically as a whole: into `<dir>.tmp`, then swapped in by renames
 * (`<dir>` -> `<dir>.old`, `<dir>.tmp` -> `<dir>`), so a process killed at any moment leaves either
 * the previous or the new checkpoint complete (`completeCheckpointDir` finds it).
 */
export function saveCheckpointAtomic(dir: string, opts: SaveCheckpointOptions): void {
  const tmp = `${dir}.tmp`;
  const old = `${dir}.old`;
  fs.rmSync(tmp, { recursive: true, force: true });
  saveCheckpoint(tmp, opts);
  fs.rmSync(old, { recursive: true, force: true });
  if (fs.existsSync(dir)) fs.renameSync(dir, old);
  fs.renameSync(tmp, dir);
  fs.rmSync(old, { recursive: true, force: true });
}

/** The checkpoint folder to read: `dir`, or `<dir>.old` when a swap was interrupted; undefined if neither is complete. */
export function completeCheckpointDir(dir: string): string | undefined {
  if (fs.existsSync(path.join(dir, CHECKPOINT_FILES.meta))) return dir;
  if (fs.existsSync(path.join(`${dir}.old`, CHECKPOINT_FILES.meta))) return `${dir}.old`;
  return undefined;
}
