import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as torch from '../src/torch/index.ts';
import { parsePretrainConfig } from '../src/train/config.ts';
import { pretrain } from '../src/train/pretrain.ts';
import { loadFinetuneConfig, parseFinetuneConfig, type FinetuneConfig } from '../src/train/finetune-config.ts';
import { finetune } from '../src/train/finetune.ts';
import { loadDecisionTransformer } from '../src/model/load.ts';
import { loadAdapter } from '../src/adapt/checkpoint.ts';
import { writeSyntheticDmc, writeSyntheticMetaWorld } from './helpers/synthetic-data.ts';
import { pretrainTinyBase, tinyWorkspace } from './helpers/tiny-base.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ws = tinyWorkspace('l2m-finetune-', [['reach-v2', 1], ['hammer-v2', 2]]);
const { tmp, dataDir, baseDir } = ws;
test.before(() => pretrainTinyBase(ws));

function ftConfig(name: string, extra: Record<string, unknown> = {}): FinetuneConfig {
  return parseFinetuneConfig({
    name,
    outDir: path.join(tmp, 'ft'),
    base: baseDir,
    task: 'hammer-v2',
    method: { name: 'lora', rank: 2, alpha: 4 },
    data: { dir: dataDir },
    train: { steps: 20, batchSize: 8, lr: 1e-3, logEvery: 5, checkpointEvery: 10 },
    eval: { every: 0, episodes: 1, retention: ['reach-v2'], retentionEpisodes: 1, concurrentEnvs: 2, workers: 0 },
    ...extra,
  });
}

test('l2m finetune: results with the base beside, an adapter checkpoint that reloads onto the base, the base untouched', async () => {
  const r = await finetune(ftConfig('lora'));
  assert.equal(r.method, 'lora');
  assert.equal(r.task, 'hammer-v2');
  assert.equal(r.updates, 20);
  assert.ok(r.trainableParams > 0 && r.trainableParams < r.totalParams);
  assert.ok(r.retention && r.retention.tasks[0]!.task === 'reach-v2');
  for (const v of [r.newTask.score, r.newTask.base, r.retention.mean, r.retention.baseMean]) assert.ok(v >= 0 && v <= 1);
  const dir = path.join(tmp, 'ft', 'lora');
  for (const f of ['results.json', 'results.md', 'train.csv', 'eval.csv', 'metrics.jsonl', 'adapter/adapter.json', 'adapter/adapter.safetensors']) assert.ok(fs.existsSync(path.join(dir, f)), f);
  const saved = JSON.parse(fs.readFileSync(path.join(dir, 'results.json'), 'utf8')) as typeof r;
  assert.equal(saved.trainableParams, r.trainableParams);
  // The adapter lands on the base it was trained on; the base's own checkpoint is unchanged by the run.
  const { model } = loadDecisionTransformer(baseDir);
  const method = loadAdapter(path.join(dir, 'adapter'), model);
  assert.equal(method.name, 'lora');
  model.dispose();
});

test('l2m finetune resumes after SIGKILL to identical results', async () => {
  const full = await finetune(ftConfig('uninterrupted', { eval: { every: 0, episodes: 1, concurrentEnvs: 1, workers: 0 } }));
  const script = path.join(tmp, 'kill.mts');
  fs.writeFileSync(
    script,
    `import { parseFinetuneConfig } from ${JSON.stringify(path.join(root, 'src/train/finetune-config.ts'))};
import { finetune } from ${JSON.stringify(path.join(root, 'src/train/finetune.ts'))};
const cfg = parseFinetuneConfig(JSON.parse(process.argv[2]));
await finetune(cfg, { hooks: { onUpdate: (u) => { if (u === 13) process.kill(process.pid, 'SIGKILL'); } } });
`,
  );
  const cfg = ftConfig('resumed', { eval: { every: 0, episodes: 1, concurrentEnvs: 1, workers: 0 } });
  const child = spawnSync(process.execPath, ['--import', 'tsx', script, JSON.stringify(cfg)], { cwd: root, encoding: 'utf8' });
  assert.equal(child.signal, 'SIGKILL', child.stderr);
  const resumed = await finetune(cfg, { resume: true });
  assert.equal(resumed.finalLoss, full.finalLoss);
  const csv = (name: string): string[] => fs.readFileSync(path.join(tmp, 'ft', name, 'train.csv'), 'utf8').trim().split('\n');
  assert.deepEqual(csv('resumed'), csv('uninterrupted'));
  const a = torch.loadSafetensors(path.join(tmp, 'ft', 'resumed', 'adapter', 'adapter.safetensors'));
  const b = torch.loadSafetensors(path.join(tmp, 'ft', 'uninterrupted', 'adapter', 'adapter.safetensors'));
  assert.deepEqual(Object.keys(a.tensors).sort(), Object.keys(b.tensors).sort());
  for (const [k, t] of Object.entries(a.tensors)) assert.ok(t.equal(b.tensors[k]!), `${k} equal`);
  assert.equal(resumed.newTask.score, full.newTask.score);
});

test('a run stopped around an evaluation resumes with every evaluation exactly once', async () => {
  const evalCfg = { every: 10, episodes: 1, retention: ['reach-v2'], retentionEpisodes: 1, concurrentEnvs: 1, workers: 0 };
  const train = { steps: 20, batchSize: 8, lr: 1e-3, logEvery: 5, checkpointEvery: 5 };
  const rows = (name: string, file: string): string[] => fs.readFileSync(path.join(tmp, 'ft', name, file), 'utf8').trim().split('\n');
  const stop = new Error('stopped');
  await finetune(ftConfig('evals-uninterrupted', { eval: evalCfg, train }));
  // Stopped as the evaluation at update 10 starts (after update 10's checkpoint would have been written
  // had it come first), then as the final evaluation has been logged but before results.json.
  for (const [name, hooks] of [
    ['evals-stopped-before-eval', { onEvalStart: (u: number) => { if (u === 10) throw stop; } }],
    ['evals-stopped-after-final', { onEval: (u: number) => { if (u === 20) throw stop; } }],
  ] as const) {
    const cfg = ftConfig(name, { eval: evalCfg, train });
    await assert.rejects(finetune(cfg, { hooks }), /stopped/);
    await finetune(cfg, { resume: true });
    assert.deepEqual(rows(name, 'eval.csv'), rows('evals-uninterrupted', 'eval.csv'), `${name}: eval.csv`);
    assert.deepEqual(rows(name, 'train.csv'), rows('evals-uninterrupted', 'train.csv'), `${name}: train.csv`);
    const kinds = (n: string): string[] => rows(n, 'metrics.jsonl').map((l) => { const r = JSON.parse(l) as { kind: string; update: number }; return `${r.kind}@${r.update}`; });
    assert.deepEqual(kinds(name), kinds('evals-uninterrupted'), `${name}: metrics.jsonl`);
  }
});

test('model.dropout sets the rate fine-tuning trains with (the base keeps its own), recorded and checked on resume', async () => {
  const light = { every: 0, episodes: 1, concurrentEnvs: 1, workers: 0, maxEpisodeSteps: 5 };
  const run = (name: string, dropout?: number): Promise<{ finalLoss: number }> =>
    finetune(ftConfig(name, { eval: light, ...(dropout === undefined ? {} : { model: { dropout } }) }));
  const d0 = await run('dropout-0', 0);
  const d5 = await run('dropout-05', 0.5);
  const d5again = await run('dropout-05-again', 0.5);
  const inherited = await run('dropout-base'); // the tiny base's own 0.1
  assert.equal(d5again.finalLoss, d5.finalLoss, 'same seed, same rate: same run');
  assert.notEqual(d0.finalLoss, d5.finalLoss);
  assert.notEqual(d0.finalLoss, inherited.finalLoss);
  assert.notEqual(d5.finalLoss, inherited.finalLoss);
  const saved = JSON.parse(fs.readFileSync(path.join(tmp, 'ft', 'dropout-05', 'config.json'), 'utf8')) as FinetuneConfig;
  assert.equal(saved.model.dropout, 0.5);
  // The adapter of a run at another rate still lands on its base (dropout is not architecture).
  const { model } = loadDecisionTransformer(baseDir);
  assert.equal(loadAdapter(path.join(tmp, 'ft', 'dropout-05', 'adapter'), model).name, 'lora');
  model.dispose();
  await assert.rejects(finetune(ftConfig('dropout-05', { eval: light, model: { dropout: 0.2 }, train: { steps: 30, batchSize: 8, lr: 1e-3, logEvery: 5, checkpointEvery: 10 } }), { resume: true }), /config differs/);
  assert.throws(() => ftConfig('bad-dropout', { model: { dropout: 1 } }), /model\.dropout/);
  assert.throws(() => ftConfig('bad-model-field', { model: { nLayer: 3 } }), /model[\s\S]*nLayer/);
});

test('bad input gets a clear error and writes nothing', async () => {
  const out = path.join(tmp, 'ft');
  const before = fs.readdirSync(out).sort();
  await assert.rejects(finetune(ftConfig('nodata', { task: 'push-v2' })), /no dataset for push-v2/);
  await assert.rejects(finetune(ftConfig('unknown-task', { task: 'no-such-task' })), /unknown task 'no-such-task'/);
  await assert.rejects(finetune(ftConfig('nobase', { base: path.join(tmp, 'nowhere') })), /checkpoint not found/);
  assert.throws(() => ftConfig('unknown-method', { method: { name: 'magic' } }), /unknown adaptation method 'magic' \(known: .*lora/);
  assert.throws(() => ftConfig('bad-field', { method: { name: 'lora', rnak: 4 } }), /method \(lora\): invalid config[\s\S]*rnak/);
  assert.throws(() => ftConfig('bad-rank', { method: { name: 'lora', rank: 0 } }), /rank/);
  assert.deepEqual(fs.readdirSync(out).sort(), before, 'nothing was written');
  // A checkpoint of another architecture is refused when an adapter is loaded onto it.
  const other = path.join(tmp, 'runs', 'other');
  await pretrain(
    parsePretrainConfig({
      name: 'other',
      outDir: path.join(tmp, 'runs'),
      model: { nLayer: 1, nHead: 2, dModel: 32, contextLength: 5 },
      data: { dir: dataDir, tasks: ['reach-v2'] },
      train: { steps: 1, batchSize: 4, warmupSteps: 0, checkpointEvery: 1 },
      eval: { atEnd: false },
    }),
  );
  const { model } = loadDecisionTransformer(other);
  assert.throws(() => loadAdapter(path.join(out, 'lora', 'adapter'), model), /base of another architecture/);
  model.dispose();
});

test('every config in configs/finetune is valid and names a registered method', () => {
  const dir = path.join(root, 'configs', 'finetune');
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.yaml') && f !== 'common.yaml');
  assert.ok(files.length >= 3);
  for (const f of files) {
    const cfg = loadFinetuneConfig(path.join(dir, f));
    assert.equal((cfg.method as { name: string }).name, f.replace(/\.yaml$/, ''), f);
  }
});

test('l2m finetune works on a DMControl task (normalised score, the base trained on both domains)', async () => {
  const dir = path.join(tmp, 'dmc-data');
  writeSyntheticMetaWorld(dir, 'reach-v2', 2, 1);
  writeSyntheticDmc(dir, 'cartpole-swingup', 2, 3, 1);
  writeSyntheticDmc(dir, 'cartpole-balance', 2, 4, 1);
  await pretrain(
    parsePretrainConfig({
      name: 'base-md',
      outDir: path.join(tmp, 'runs'),
      model: { nLayer: 1, nHead: 2, dModel: 32, contextLength: 5 },
      data: { dir, tasks: ['reach-v2', 'cartpole-swingup'], normalizeStates: true },
      train: { steps: 4, batchSize: 4, warmupSteps: 0, checkpointEvery: 4 },
      eval: { atEnd: false },
    }),
  );
  const r = await finetune(
    ftConfig('dmc', {
      base: path.join(tmp, 'runs', 'base-md'),
      task: 'cartpole-balance',
      data: { dir },
      method: { name: 'ia3' },
      train: { steps: 3, batchSize: 4, checkpointEvery: 3 },
      eval: { every: 0, episodes: 1, retention: ['cartpole-swingup', 'reach-v2'], retentionEpisodes: 1, concurrentEnvs: 2, workers: 0, maxEpisodeSteps: 5 },
    }),
  );
  assert.equal(r.task, 'cartpole-balance');
  assert.ok(Number.isFinite(r.newTask.score) && Number.isFinite(r.newTask.base), 'a data-normalised score for the new task and the base');
  assert.deepEqual(r.retention!.tasks.map((t) => t.task), ['cartpole-swingup', 'reach-v2']);
  // A base that never saw DMControl data cannot be fine-tuned on a DMControl task: a clear error.
  await assert.rejects(finetune(ftConfig('dmc-on-mw', { task: 'cartpole-balance', data: { dir }, train: { steps: 1, batchSize: 4 } })), /trained without dmc data, so it cannot be fine-tuned on cartpole-balance/);
  assert.ok(!fs.existsSync(path.join(tmp, 'ft', 'dmc-on-mw')), 'nothing was written');
});
