import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as torch from '../src/torch/index.ts';
import { applyOverride, loadPretrainConfig, parsePretrainConfig, type PretrainConfig } from '../src/train/config.ts';
import { modelConfig, pretrain } from '../src/train/pretrain.ts';
import { adamwGroups } from '../src/train/optimizer.ts';
import { warmupCosine } from '../src/train/schedule.ts';
import { DecisionTransformer } from '../src/model/decision-transformer.ts';
import { writeSyntheticMetaWorld } from './helpers/synthetic-data.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'l2m-train-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));

const dataDir = path.join(tmp, 'data');
writeSyntheticMetaWorld(dataDir, 'reach-v2', 6, 1);
writeSyntheticMetaWorld(dataDir, 'push-v2', 6, 2);

function smallConfig(name: string, extra: Record<string, unknown> = {}): PretrainConfig {
  return parsePretrainConfig({
    name,
    outDir: path.join(tmp, 'runs'),
    seed: 5,
    model: { nLayer: 2, nHead: 2, dModel: 32, contextLength: 5 },
    data: { dir: dataDir, tasks: ['reach-v2', 'push-v2'] },
    train: { steps: 30, batchSize: 16, lr: 1e-3, warmupSteps: 5, logEvery: 5, checkpointEvery: 10 },
    eval: { atEnd: false },
    ...extra,
  });
}

test('every YAML config in configs/ is valid', () => {
  const dir = path.join(root, 'configs');
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.yaml'));
  assert.ok(files.length >= 2);
  for (const f of files) {
    const cfg = loadPretrainConfig(path.join(dir, f));
    assert.ok(cfg.train.steps > 0, f);
    if (f.startsWith('paper')) {
      const model = new DecisionTransformer(modelConfig(cfg));
      assert.equal(model.parameterSummary().blocks, 6 * 7_087_872);
      model.dispose();
    }
  }
  // The multi-domain small run compares like with like with the Meta-World-only one: same model, same
  // updates, one Meta-World and one DMControl batch per update, DMControl scored by our own data's means.
  const mtDmc = loadPretrainConfig(path.join(dir, 'small-mt-dmc.yaml'));
  const mt40 = loadPretrainConfig(path.join(dir, 'small-mt40.yaml'));
  assert.deepEqual(mtDmc.model, mt40.model);
  assert.deepEqual({ ...mtDmc.train, accumulation: 1 }, mt40.train);
  assert.equal(mtDmc.train.accumulation, 2);
  assert.deepEqual(mtDmc.data, { ...mt40.data, dmcDir: 'data/dmc16', tasks: ['MT40', 'DMC10'] });
  assert.equal(mtDmc.eval.dmcDataMeans, 'data/dmc16');
});

test('config errors name the file and every bad key; overrides set dotted paths as YAML values', () => {
  const file = path.join(tmp, 'bad.yaml');
  fs.writeFileSync(file, 'data: { dir: x, tasks: [] }\ntrain: { steps: -1, typo: 3 }\n');
  assert.throws(() => loadPretrainConfig(file), (e: Error) => e.message.includes(file) && /data\.tasks/.test(e.message) && /train\.steps/.test(e.message) && /typo/.test(e.message));
  assert.throws(() => loadPretrainConfig(path.join(tmp, 'missing.yaml')), /config file not found/);
  fs.writeFileSync(file, 'train: [oops\n');
  assert.throws(() => loadPretrainConfig(file), /malformed YAML/);
  const raw: Record<string, unknown> = { train: { steps: 1 } };
  applyOverride(raw, 'train.steps=200');
  applyOverride(raw, 'model.nLayer=2');
  applyOverride(raw, 'data.tasks=[reach-v2, push-v2]');
  assert.deepEqual(raw, { train: { steps: 200 }, model: { nLayer: 2 }, data: { tasks: ['reach-v2', 'push-v2'] } });
  assert.throws(() => applyOverride(raw, 'novalue'), /key=value/);
});

test('learning-rate factor: linear warm-up then cosine to minRatio', () => {
  const f = warmupCosine(4, 14, 0.1);
  assert.deepEqual([0, 1, 2, 3].map(f), [0.25, 0.5, 0.75, 1]);
  assert.equal(f(4), 1);
  assert.ok(Math.abs(f(9) - (0.1 + 0.9 * 0.5)) < 1e-12);
  assert.ok(Math.abs(f(14) - 0.1) < 1e-12);
  assert.ok(Math.abs(f(100) - 0.1) < 1e-12);
});

test('AdamW decays Linear weight matrices only', () => {
  const model = new DecisionTransformer(modelConfig(smallConfig('groups')));
  try {
    const [decay, noDecay] = adamwGroups(model, 0.01);
    const names = new Map(Array.from(model.namedParameters(), ([n, p]) => [p, n]));
    const decayed = decay!.params.map((p) => names.get(p)!).sort();
    assert.ok(decayed.includes('blocks.0.attn.c_attn.weight') && decayed.includes('action_head.weight') && decayed.includes('embed_state.weight'));
    for (const n of decayed) assert.ok(n.endsWith('.weight') && !n.includes('ln') && !n.startsWith('embed_timestep') && !n.startsWith('embed_action') && !n.startsWith('wpe'), n);
    assert.equal(decay!.params.length + noDecay!.params.length, model.parameters().length);
  } finally {
    model.dispose();
  }
});

test('pre-training lowers the loss, writes metrics and a checkpoint, and refuses to overwrite a run', async () => {
  const cfg = smallConfig('learns', { train: { steps: 100, batchSize: 32, lr: 3e-3, warmupSteps: 5, logEvery: 10, checkpointEvery: 50 } });
  const r = await pretrain(cfg);
  const first = r.losses.slice(0, 5).reduce((a, b) => a + b) / 5;
  const last = r.losses.slice(-5).reduce((a, b) => a + b) / 5;
  assert.ok(last < first - 0.25, `loss fell from ${first} to ${last}`);
  const csv = fs.readFileSync(path.join(r.runDir, 'train.csv'), 'utf8').trim().split('\n');
  assert.equal(csv[0], 'update,loss,lr,grad_norm');
  assert.equal(csv.length, 1 + 10);
  assert.ok(fs.existsSync(path.join(r.runDir, 'checkpoint', 'model.safetensors')));
  await assert.rejects(pretrain(cfg), /already holds a run: pass --resume/);
  await assert.rejects(pretrain({ ...cfg, train: { ...cfg.train, lr: 1 } }, { resume: true }), /config differs/);
});

test('a run killed mid-way resumes to the same loss curve as an uninterrupted run', async () => {
  const full = await pretrain(smallConfig('uninterrupted'));
  // Kill a real process after its checkpoint at update 10 and before the one at 20.
  const script = path.join(tmp, 'killed.mts');
  fs.writeFileSync(
    script,
    `import { parsePretrainConfig } from ${JSON.stringify(path.join(root, 'src/train/config.ts'))};
import { pretrain } from ${JSON.stringify(path.join(root, 'src/train/pretrain.ts'))};
const cfg = parsePretrainConfig(JSON.parse(process.argv[2]));
await pretrain(cfg, { hooks: { onUpdate: (u) => { if (u === 17) process.kill(process.pid, 'SIGKILL'); } } });
`,
  );
  const cfg = smallConfig('resumed');
  const child = spawnSync(process.execPath, ['--import', 'tsx', script, JSON.stringify(cfg)], { cwd: root, encoding: 'utf8' });
  assert.equal(child.signal, 'SIGKILL', child.stderr);
  const resumed = await pretrain(cfg, { resume: true });
  assert.equal(resumed.updates, 30);
  assert.deepEqual(resumed.losses, full.losses.slice(10), 'losses after the checkpoint at update 10 are identical');
  const csv = (name: string): string[] => fs.readFileSync(path.join(tmp, 'runs', name, 'train.csv'), 'utf8').trim().split('\n');
  assert.deepEqual(csv('resumed'), csv('uninterrupted'), 'the metrics file reads as one run');
  const a = torch.loadSafetensors(path.join(tmp, 'runs', 'resumed', 'checkpoint', 'model.safetensors'));
  const b = torch.loadSafetensors(path.join(tmp, 'runs', 'uninterrupted', 'checkpoint', 'model.safetensors'));
  for (const [k, t] of Object.entries(a.tensors)) assert.ok(t.equal(b.tensors[k]!), `${k} equal`);
});

test('missing datasets and non-finite batches fail with clear errors', async () => {
  await assert.rejects(pretrain(smallConfig('nodata', { data: { dir: path.join(tmp, 'empty'), tasks: ['reach-v2'] } })), /no dataset for reach-v2 in .*empty/);
  await assert.rejects(pretrain(smallConfig('unknown', { data: { dir: dataDir, tasks: ['no-such-task'] } })), /unknown task 'no-such-task'/);
  const nanDir = path.join(tmp, 'nan');
  writeSyntheticMetaWorld(nanDir, 'reach-v2', 2, 3);
  // Corrupt one reward in place: the sampler's returns-to-go then carry NaN.
  const { loadDataset, saveDataset } = await import('../src/data/dataset.ts');
  const ds = loadDataset(path.join(nanDir, 'reach-v2.npz'));
  const { buildDataset } = await import('../src/data/dataset.ts');
  const rewards = Float32Array.from(ds.rewards);
  rewards.fill(Number.NaN);
  const bad = buildDataset(
    { task: ds.meta.task, domain: ds.meta.domain, observation: ds.meta.observation, action: ds.meta.action, collector: ds.meta.collector, seed: ds.meta.seed },
    { states: ds.states, actions: ds.actions, rewards, terminals: ds.terminals, timeouts: ds.timeouts, episodeLengths: Int32Array.from([200, 200]), episodeSeeds: ds.episodeSeeds },
  );
  saveDataset(path.join(nanDir, 'reach-v2.npz'), bad);
  await assert.rejects(pretrain(smallConfig('nan', { data: { dir: nanDir, tasks: ['reach-v2'] } })), /non-finite value in '(returnsToGo|rewards)'/);
});
