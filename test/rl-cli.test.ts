/** `l2m rl train-sac`: a tiny run end to end (learning curve files, resume), and clear errors for bad input. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const run = promisify(execFile);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'l2m-rl-cli-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));

async function l2m(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [path.join(root, 'bin', 'l2m.mjs'), ...args], { cwd: tmp });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

test('train-sac runs, writes the learning curve and resumes to more steps', async () => {
  const out = path.join(tmp, 'run');
  const common = ['rl', 'train-sac', '--task', 'cartpole-swingup', '--max-episode-steps', '50', '--eval-every', '50', '--eval-episodes', '1', '--seed', '3', '--out', out, '--quiet'];
  const config = ['--config', '{"hidden":[16,16],"batchSize":16,"seedSteps":50}'];
  const r = await l2m([...common, '--steps', '100', ...config]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /eval step 100: return [\d.]+ ± [\d.]+ score -?[\d.]+/);
  const curve = fs.readFileSync(path.join(out, 'eval.csv'), 'utf8').trim().split('\n');
  assert.equal(curve[0], 'step,mean_return,std_return,normalized_score,min_return,max_return');
  assert.deepEqual(curve.slice(1).map((l) => Number(l.split(',')[0])), [0, 50, 100]);
  const evals = fs.readFileSync(path.join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((m) => m.kind === 'eval');
  assert.equal(evals.length, 3);
  assert.equal(evals[2].returns.length, 1);

  const more = await l2m([...common, '--steps', '150', '--resume', ...config]);
  assert.equal(more.code, 0, more.stderr);
  assert.match(more.stdout, /eval step 150/);
  assert.equal(fs.readFileSync(path.join(out, 'eval.csv'), 'utf8').trim().split('\n').length, 1 + 4);
});

test('train-sac rejects an unknown task and bad options clearly', async () => {
  const task = await l2m(['rl', 'train-sac', '--task', 'walker-stnd', '--steps', '10', '--out', path.join(tmp, 'x')]);
  assert.equal(task.code, 1);
  assert.match(task.stderr, /unknown task 'walker-stnd'/);
  const steps = await l2m(['rl', 'train-sac', '--task', 'walker-stand', '--steps', 'many']);
  assert.notEqual(steps.code, 0);
  assert.match(steps.stderr, /--steps <n>' argument 'many' is invalid/);
});
