/**
 * The workspace of the training tests that need a pre-trained base but no simulator: a temporary folder
 * (removed at exit) with synthetic Meta-World datasets and a 2-layer, width-32 base pre-trained for 10
 * updates on reach-v2.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parsePretrainConfig } from '../../src/train/config.ts';
import { pretrain } from '../../src/train/pretrain.ts';
import { parseContinualConfig, type ContinualConfig } from '../../src/train/continual-config.ts';
import { writeSyntheticMetaWorld } from './synthetic-data.ts';

export interface TinyWorkspace {
  tmp: string;
  dataDir: string;
  /** The base's run folder (written by `pretrainTinyBase`). */
  baseDir: string;
}

/** A temporary folder with one synthetic dataset of 4 episodes per `[task, seed]` (reach-v2 first). */
export function tinyWorkspace(prefix: string, datasets: Array<[task: string, seed: number]>): TinyWorkspace {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));
  const dataDir = path.join(tmp, 'data');
  for (const [task, seed] of datasets) writeSyntheticMetaWorld(dataDir, task, 4, seed);
  return { tmp, dataDir, baseDir: path.join(tmp, 'runs', 'base') };
}

/** Pre-trains the workspace's base on reach-v2 (call from `test.before`). */
export async function pretrainTinyBase(ws: TinyWorkspace): Promise<void> {
  await pretrain(
    parsePretrainConfig({
      name: path.basename(ws.baseDir),
      outDir: path.dirname(ws.baseDir),
      model: { nLayer: 2, nHead: 2, dModel: 32, contextLength: 5 },
      data: { dir: ws.dataDir, tasks: ['reach-v2'], normalizeStates: true },
      train: { steps: 10, batchSize: 8, lr: 1e-3, warmupSteps: 2, checkpointEvery: 10 },
      eval: { atEnd: false },
    }),
  );
}

type Raw = Record<string, unknown>;

/**
 * Continual configs on the workspace's base and data: hammer-v2 then push-wall-v2, evaluations of 1
 * episode cut at 5 steps in this thread, retention on reach-v2; `defaults`, then each call's `extra`,
 * override that (their `train` and `eval` key by key).
 */
export function continualConfigs(ws: TinyWorkspace, outDir: string, defaults: Raw): (name: string, extra?: Raw) => ContinualConfig {
  const { train: dTrain, eval: dEval, ...dRest } = defaults as { train?: Raw; eval?: Raw };
  return (name, extra = {}) => {
    const { train, eval: ev, ...rest } = extra as { train?: Raw; eval?: Raw };
    return parseContinualConfig({
      name,
      outDir,
      base: ws.baseDir,
      sequence: ['hammer-v2', 'push-wall-v2'],
      data: { dir: ws.dataDir },
      ...dRest,
      train: { ...dTrain, ...train },
      eval: { episodes: 1, maxEpisodeSteps: 5, retention: ['reach-v2'], workers: 0, concurrentEnvs: 2, ...dEval, ...ev },
      ...rest,
    });
  };
}
