/** Small synthetic datasets written to disk, for training tests that need no simulator. */
import fs from 'node:fs';
import { buildDataset, saveDataset } from '../../src/data/dataset.ts';
import { finalPath } from '../../src/data/episode-writer.ts';
import { Rng } from '../../src/envs/rng.ts';

/**
 * A Meta-World-shaped dataset (39-d observations, 4-d actions, 200-step episodes) whose actions are a
 * fixed function of the state, so a model can learn them.
 */
export function writeSyntheticMetaWorld(dir: string, task: string, episodes: number, seed: number, episodeLength = 200): void {
  const rng = new Rng(seed);
  const N = episodes * episodeLength;
  const states = new Float32Array(N * 39);
  const actions = new Float32Array(N * 4);
  const rewards = new Float32Array(N);
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < 39; j++) states[i * 39 + j] = rng.uniform(-1, 1);
    for (let j = 0; j < 4; j++) actions[i * 4 + j] = Math.tanh(2 * states[i * 39 + j]! - states[i * 39 + j + 4]!);
    rewards[i] = 1 + states[i * 39]!;
  }
  const timeouts = new Uint8Array(N);
  for (let e = 1; e <= episodes; e++) timeouts[e * episodeLength - 1] = 1;
  const ds = buildDataset(
    { task, domain: 'metaworld', observation: { kind: 'padded', dim: 39 }, action: { dim: 4, low: [-1, -1, -1, -1], high: [1, 1, 1, 1] }, collector: { kind: 'synthetic', settings: {} }, seed },
    { states, actions, rewards, terminals: new Uint8Array(N), timeouts, episodeLengths: new Int32Array(episodes).fill(episodeLength), episodeSeeds: Float64Array.from({ length: episodes }, (_, e) => e) },
  );
  fs.mkdirSync(dir, { recursive: true });
  saveDataset(finalPath(dir, task), ds);
}

/**
 * A DMControl-shaped dataset already in the model's 204-d layout (`{ kind: 'model' }`, as the original's
 * release), `actDim`-d actions in [-1, 1] that are a fixed function of the state, 1000-step episodes by default.
 */
export function writeSyntheticDmc(dir: string, task: string, episodes: number, seed: number, actDim: number, episodeLength = 1000): void {
  const rng = new Rng(seed);
  const N = episodes * episodeLength;
  const D = 204;
  const states = new Float32Array(N * D);
  const actions = new Float32Array(N * actDim);
  const rewards = new Float32Array(N);
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < 16; j++) states[i * D + 14 + j] = rng.uniform(-1, 1);
    for (let j = 0; j < actDim; j++) actions[i * actDim + j] = Math.tanh(states[i * D + 14 + j]! - states[i * D + 15 + j]!);
    rewards[i] = (1 + states[i * D + 14]!) / 2;
  }
  const timeouts = new Uint8Array(N);
  for (let e = 1; e <= episodes; e++) timeouts[e * episodeLength - 1] = 1;
  const ds = buildDataset(
    { task, domain: 'dmc', observation: { kind: 'model' }, action: { dim: actDim, low: new Array(actDim).fill(-1), high: new Array(actDim).fill(1) }, collector: { kind: 'synthetic', settings: {} }, seed },
    { states, actions, rewards, terminals: new Uint8Array(N), timeouts, episodeLengths: new Int32Array(episodes).fill(episodeLength), episodeSeeds: Float64Array.from({ length: episodes }, (_, e) => e) },
  );
  fs.mkdirSync(dir, { recursive: true });
  saveDataset(finalPath(dir, task), ds);
}
