import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../src/torch/index.ts';
import { ActionTokenizer } from '../src/data/action-tokenizer.ts';
import { DecisionTransformer, PAPER_CONFIG } from '../src/model/decision-transformer.ts';
import { EpisodeContext } from '../src/eval/context.ts';
import { evaluate, type EvalOptions, type EvalReport } from '../src/eval/evaluate.ts';
import { VectorEnv } from '../src/envs/vector.ts';
import { spawnSync } from 'node:child_process';
import path from 'node:path';

test('stepping two groups of envs in turn (stepRows) gives each env the same steps as stepping all at once', async () => {
  const tasks = ['reach-v2', 'push-v2', 'reach-v2', 'cartpole-swingup', 'push-v2'];
  for (const workers of [0, 2]) {
    const whole = await VectorEnv.create({ tasks, seed: 4, workers, maxEpisodeSteps: 6 });
    const split = await VectorEnv.create({ tasks, seed: 4, workers, maxEpisodeSteps: 6 });
    try {
      assert.deepEqual(split.threadRanges.reduce((n, r) => n + r.count, 0), tasks.length);
      const groups = [[0, 3], [1, 2, 4]];
      assert.deepEqual(Array.from(await split.reset()), Array.from(await whole.reset()));
      const A = whole.actDim;
      for (let t = 0; t < 8; t++) {
        const actions = Float64Array.from({ length: tasks.length * A }, (_, i) => Math.sin(i * 1.7 + t));
        const all = await whole.step(actions);
        // both groups in flight at once: each worker runs its requests in order
        const parts = await Promise.all(groups.map((g) => split.stepRows(g, Float64Array.from(g.flatMap((i) => Array.from(actions.subarray(i * A, (i + 1) * A)))))));
        groups.forEach((g, k) => g.forEach((i, j) => {
          const p = parts[k]!;
          assert.deepEqual(Array.from(p.obs.subarray(j * whole.obsDim, (j + 1) * whole.obsDim)), Array.from(all.obs.subarray(i * whole.obsDim, (i + 1) * whole.obsDim)), `workers ${workers}, step ${t}, env ${i}: obs`);
          assert.deepEqual(Array.from(p.finalObs.subarray(j * whole.obsDim, (j + 1) * whole.obsDim)), Array.from(all.finalObs.subarray(i * whole.obsDim, (i + 1) * whole.obsDim)));
          assert.deepEqual([p.rewards[j], p.terminated[j], p.truncated[j], p.success[j]], [all.rewards[i], all.terminated[i], all.truncated[i], all.success[i]], `workers ${workers}, step ${t}, env ${i}`);
        }));
      }
      await assert.rejects(split.stepRows([2, 1], new Float64Array(2 * A)), /rows must be ascending env indices in \[0, 5\), got 2, 1/);
      await assert.rejects(split.stepRows([0, 5], new Float64Array(2 * A)), /rows must be ascending/);
      await assert.rejects(split.stepRows([0], new Float64Array(2 * A)), /expected 1×\d+ = \d+ action numbers/);
    } finally {
      await whole.close();
      await split.close();
    }
  }
});

test('the context of some envs is laid out as those rows of the whole batch', () => {
  const tok = new ActionTokenizer(64);
  const ctx = new EpisodeContext({ numEnvs: 4, contextLength: 3, stateDim: 5, maxActDim: 3 }, tok);
  for (let i = 0; i < 4; i++) for (let t = 0; t <= i + 1; t++) {
    ctx.push(i, [i, t, -t], 10 - t - i, t);
    if (t <= i) ctx.complete(i, [0.5 - i / 4, -0.25], t / 8);
  }
  torch.tidy(() => {
    const whole = ctx.toInputs();
    const rows = [1, 3];
    const part = ctx.toInputs(undefined, rows);
    const index = torch.tensor(Int32Array.from(rows), { dtype: 'int64' });
    for (const key of ['states', 'actionTokens', 'returnsToGo', 'rewards', 'timesteps', 'attentionMask'] as const) {
      assert.deepEqual(part[key].shape, [2, ...whole[key].shape.slice(1)]);
      assert.deepEqual(part[key].toArray(), whole[key].indexSelect(0, index).toArray(), key);
    }
    assert.throws(() => ctx.toInputs(undefined, [4]), /env 4 out of range \[0, 4\)/);
  });
});

/** The report without its timing, for comparing runs. */
const outcome = (r: EvalReport): unknown => ({ tasks: r.tasks, meanScore: r.meanScore, iqmScore: r.iqmScore, byDomain: r.byDomain, envSteps: r.envSteps });

test('evaluation with overlap gives every episode the same returns and successes as without', async (t) => {
  torch.manualSeed(0);
  // With this machine's OpenBLAS (docs/performance.md, "Acting") the groups of the 40- and 8-env rounds
  // decode with the kernels of their whole batch and are pipelined; those of the 16-env round (8 + 8) run
  // some products with other kernels, fail the first step's comparison and run as one batch.
  const model = new DecisionTransformer({ ...PAPER_CONFIG, nLayer: 2, nHead: 4, dModel: 128, dInner: 512 });
  const cases: { name: string; opts: EvalOptions }[] = [
    { name: 'Meta-World reach + push, 40 envs', opts: { tasks: ['reach-v2', 'push-v2'], episodes: 20, seed: 7, workers: 2, maxEpisodeSteps: 15 } },
    { name: 'Meta-World in rounds of 40 and 8 envs', opts: { tasks: ['drawer-open-v2', 'button-press-topdown-v2', 'reach-v2'], episodes: 16, seed: 2, workers: 2, maxEpisodeSteps: 10, concurrentEnvs: 40 } },
    { name: 'Meta-World drawer-open, 16 envs', opts: { tasks: ['drawer-open-v2'], episodes: 16, seed: 1, workers: 2, maxEpisodeSteps: 10 } },
    { name: 'DMControl cartpole-swingup, 8 envs', opts: { tasks: ['cartpole-swingup'], episodes: 8, seed: 3, workers: 2, maxEpisodeSteps: 30 } },
  ];
  try {
    let pipelined = 0;
    for (const c of cases) {
      const off = await evaluate(model, c.opts);
      const on = await evaluate(model, { ...c.opts, overlap: true });
      assert.deepEqual(outcome(on), outcome(off), c.name);
      assert.equal(off.overlap, undefined);
      assert.ok(on.overlap && on.overlap.rounds >= 1 && on.overlap.overlapped <= on.overlap.rounds);
      t.diagnostic(`${c.name}: ${on.overlap.overlapped} of ${on.overlap.rounds} rounds pipelined`);
      pipelined += on.overlap.overlapped;
      const mw = on.tasks[0]!;
      assert.ok(mw.returns.every((r) => r !== 0), 'the episodes moved');
    }
    if (pipelined === 0) t.diagnostic('no round was pipelined with this BLAS: only the fallback was compared');
    const local = await evaluate(model, { ...cases[3]!.opts, workers: 0, overlap: true });
    assert.deepEqual(local.overlap, { rounds: 1, overlapped: 0 }, 'envs stepped in this thread cannot overlap decoding');
  } finally {
    model.dispose();
  }
});

test('a bad overlap value fails clearly', async () => {
  torch.manualSeed(0);
  const model = new DecisionTransformer({ ...PAPER_CONFIG, nLayer: 1, nHead: 2, dModel: 32, dInner: 64 });
  try {
    for (const bad of ['yes', 1, null]) {
      await assert.rejects(evaluate(model, { tasks: ['reach-v2'], episodes: 1, workers: 0, maxEpisodeSteps: 2, overlap: bad as unknown as boolean }), /evaluate: overlap must be true or false, got /);
    }
  } finally {
    model.dispose();
  }
});

test('l2m eval --overlap takes on or off, and refuses --selection beside it', () => {
  const root = path.resolve(import.meta.dirname, '..');
  const run = (...args: string[]) => spawnSync(process.execPath, [path.join(root, 'bin', 'l2m.mjs'), 'eval', '--checkpoint', 'no-such-run', '--tasks', 'reach-v2', ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, L2M_BLAS_WARNING: '0' } });
  const bad = run('--overlap', 'yes');
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /option '--overlap <on\|off>' argument 'yes' is invalid\. expected on or off, got 'yes'/);
  const both = run('--overlap', 'on', '--selection', 'x.svg');
  assert.notEqual(both.status, 0);
  assert.match(both.stderr, /--selection counts one selection per env step; --overlap decodes the first step of each round three times/);
});
