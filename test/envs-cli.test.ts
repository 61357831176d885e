/** `l2m envs`: the JSON summary of a rollout, the listing, and clear errors for bad tasks and asset dirs. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const run = promisify(execFile);

async function l2m(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [path.join(root, 'bin', 'l2m.mjs'), ...args], { env: { ...process.env, ...env }, cwd: os.tmpdir() });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

it('rollout --json prints one object with the summary fields', async () => {
  const r = await l2m(['envs', 'rollout', '--task', 'reach', '--policy', 'scripted', '--episodes', '3', '--max-steps', '60', '--seed', '4', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(r.stdout);
  assert.equal(s.task, 'reach-v2');
  assert.equal(s.policy, 'scripted');
  assert.equal(s.episodes, 3);
  assert.equal(s.steps, 180);
  assert.equal(s.success_rate, 1);
  assert.ok(s.final_success_rate >= 0 && s.final_success_rate <= 1);
  assert.ok(Number.isFinite(s.mean_return) && s.mean_return > 0);
  assert.ok(Number.isFinite(s.std_return) && s.std_return >= 0);
  assert.ok(s.steps_per_second > 0);
  // the same seed gives the same returns
  const again = JSON.parse((await l2m(['envs', 'rollout', '--task', 'reach-v2', '--episodes', '3', '--max-steps', '60', '--seed', '4', '--json'])).stdout);
  assert.equal(again.mean_return, s.mean_return);
});

it('random policy with noise runs; readable summary without --json', async () => {
  const r = await l2m(['envs', 'rollout', '--task', 'push-v2', '--policy', 'random', '--episodes', '1', '--max-steps', '20', '--noise', '0.1']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /push-v2, random policy, 1 episodes/);
  assert.match(r.stdout, /success \(any step\)/);
});

it('list shows Meta-World tasks and the sets', async () => {
  const r = await l2m(['envs', 'list', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(r.stdout);
  assert.ok(s.domains.metaworld.includes('push-v2'));
  assert.equal(s.sets.MT50.length, 50);
  assert.equal(s.sets.MT40.length, 40);
  assert.deepEqual(s.sets.CW10.slice(0, 3), ['hammer-v2', 'push-wall-v2', 'faucet-close-v2']);
  assert.deepEqual(s.sets.MT40.filter((t: string) => s.sets.CW10.includes(t)), []);
});

it('unknown tasks and bad options fail with a clear message', async () => {
  const r = await l2m(['envs', 'rollout', '--task', 'pussh-v2']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /unknown task 'pussh-v2'/);
  const p = await l2m(['envs', 'rollout', '--task', 'push', '--policy', 'greedy']);
  assert.equal(p.code, 1);
  assert.match(p.stderr, /--policy must be 'scripted' or 'random'/);
  const e = await l2m(['envs', 'rollout', '--task', 'push', '--episodes', '0']);
  assert.notEqual(e.code, 0);
  assert.match(e.stderr, /integer >= 1/);
});

it('a missing asset directory or scene file is named in the error (--assets and L2M_ASSETS)', async () => {
  const missing = path.join(os.tmpdir(), 'l2m-no-such-assets');
  const r = await l2m(['envs', 'rollout', '--task', 'push', '--assets', missing]);
  assert.equal(r.code, 1);
  assert.ok(r.stderr.includes(missing), r.stderr);

  const partial = fs.mkdtempSync(path.join(os.tmpdir(), 'l2m-assets-'));
  fs.mkdirSync(path.join(partial, 'metaworld', 'sawyer_xyz'), { recursive: true });
  try {
    const s = await l2m(['envs', 'rollout', '--task', 'push'], { L2M_ASSETS: partial });
    assert.equal(s.code, 1);
    assert.ok(s.stderr.includes(path.join(partial, 'metaworld', 'sawyer_xyz', 'sawyer_push_v3.xml')), s.stderr);
    // a scene whose include is missing: the error names the scene file
    fs.writeFileSync(path.join(partial, 'metaworld', 'sawyer_xyz', 'sawyer_push_v3.xml'), '<mujoco><include file="../objects/assets/xyz_base.xml"/></mujoco>');
    const b = await l2m(['envs', 'rollout', '--task', 'push', '--assets', partial]);
    assert.equal(b.code, 1);
    assert.match(b.stderr, /sawyer_push_v3\.xml/);
  } finally {
    fs.rmSync(partial, { recursive: true, force: true });
  }
});

it('DMControl tasks: random only, no success rate, the normalised score from the registry hook', async (t) => {
  const list = JSON.parse((await l2m(['envs', 'list', '--json'])).stdout);
  if (!list.domains.dmc?.includes('cartpole-balance')) return t.skip('no DMControl tasks registered');
  const r = await l2m(['envs', 'rollout', '--task', 'cartpole-balance', '--policy', 'random', '--episodes', '1', '--max-steps', '50', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const s = JSON.parse(r.stdout);
  assert.equal(s.steps, 50);
  assert.equal(s.success_rate, null);
  assert.equal(s.final_success_rate, null);
  assert.ok(Number.isFinite(s.normalized_score));
  const scripted = await l2m(['envs', 'rollout', '--task', 'cartpole-balance', '--episodes', '1']);
  assert.equal(scripted.code, 1);
  assert.match(scripted.stderr, /has no scripted policy/);
});
