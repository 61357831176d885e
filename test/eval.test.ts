import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as torch from '../src/torch/index.ts';
import { ActionTokenizer } from '../src/data/action-tokenizer.ts';
import { DecisionTransformer, PAPER_CONFIG } from '../src/model/decision-transformer.ts';
import { EpisodeContext } from '../src/eval/context.ts';
import { evaluate } from '../src/eval/evaluate.ts';
import { formatScore, interquartileMean, mean, median, std } from '../src/eval/metrics.ts';
import { markdownTable, textTable } from '../src/eval/report.ts';

test('IQM trims floor(n/4) scores from each end (scipy.stats.trim_mean(x, 0.25))', () => {
  assert.equal(interquartileMean([8, 1, 7, 2, 6, 3, 5, 4]), 4.5);
  assert.equal(interquartileMean([0, 1, 1, 1, 100]), 1);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(median([5, -9, 0.8]), 0.8);
  assert.ok(Number.isNaN(median([])));
  assert.equal(interquartileMean([0.2, 0.9, 0.4]), 0.5);
  assert.equal(mean([1, 2, 3]), 2);
  assert.ok(Math.abs(std([1, 2, 3]) - Math.sqrt(2 / 3)) < 1e-12);
});

test('scores print to three decimals, a missing one as "-", and a tiny negative as 0.000, not -0.000', () => {
  assert.equal(formatScore(0.4567), '0.457');
  assert.equal(formatScore(-0.0004), '0.000');
  assert.equal(formatScore(-0), '0.000');
  assert.equal(formatScore(-0.04), '-0.040');
  assert.equal(formatScore(null), '-');
  assert.equal(formatScore(Number.NaN), '-');
});

test('the rolling context is left-padded and holds the last K steps, like a training window', () => {
  const tok = new ActionTokenizer(64);
  const ctx = new EpisodeContext({ numEnvs: 2, contextLength: 3, stateDim: 5, maxActDim: 3 }, tok);
  // env 0: 4 steps (window slides), env 1: 1 step (two padded timesteps)
  for (let t = 0; t < 4; t++) {
    ctx.push(0, [t, t + 0.5], 10 - t, t);
    if (t < 3) ctx.complete(0, [-1, 0.5], t / 10);
  }
  ctx.push(1, [7, 7, 7, 7, 7], 3, 0);
  torch.tidy(() => {
    const x = ctx.toInputs();
    assert.deepEqual(x.timesteps.toArray(), [1, 2, 3, 0, 0, 0]);
    assert.deepEqual(x.attentionMask.toBoolArray(), [true, true, true, false, false, true]);
    assert.deepEqual(x.returnsToGo.toArray(), [9, 8, 7, 0, 0, 3]);
    assert.deepEqual(Array.from(x.rewards.toFloat32Array()), [0.1, 0.2, 0, 0, 0, 0].map(Math.fround));
    // completed steps: tokens of the action, 32 (= 0.0) on padded dims; current step: 32s; padded timesteps: 64
    assert.deepEqual(x.actionTokens.toArray(), [0, 48, 32, 0, 48, 32, 32, 32, 32, 64, 64, 64, 64, 64, 64, 32, 32, 32]);
    const s = x.states.toArray();
    assert.deepEqual(s.slice(0, 5), [1, 1.5, 0, 0, 0]);
    assert.deepEqual(s.slice(10, 15), [3, 3.5, 0, 0, 0]);
    assert.deepEqual(s.slice(15, 25), new Array(10).fill(0));
    assert.deepEqual(s.slice(25, 30), [7, 7, 7, 7, 7]);
  });
  assert.throws(() => ctx.push(1, [1, 2, 3, 4, 5, 6], 0, 1), /observation has 6 numbers, the model reads 5/);
  assert.throws(() => ctx.push(1, [Number.NaN], 0, 1), /non-finite value at index 0/);
});

test('evaluation rolls out every task, reports per-task and aggregate scores, and is seeded', async () => {
  torch.manualSeed(0);
  const model = new DecisionTransformer({ ...PAPER_CONFIG, nLayer: 1, nHead: 2, dModel: 32, dInner: 64 });
  try {
    const run = () => evaluate(model, { tasks: ['reach-v2', 'cartpole-swingup'], episodes: 2, seed: 3, workers: 0, maxEpisodeSteps: 12 });
    const a = await run();
    const b = await run();
    assert.deepEqual(a.tasks.map((t) => t.task), ['reach-v2', 'cartpole-swingup']);
    assert.deepEqual(a.tasks.map((t) => t.returns), b.tasks.map((t) => t.returns), 'same seed, same returns');
    const oneAtATime = await evaluate(model, { tasks: ['reach-v2', 'cartpole-swingup'], episodes: 2, seed: 3, workers: 0, maxEpisodeSteps: 12, concurrentEnvs: 1 });
    assert.deepEqual(oneAtATime.tasks.map((t) => t.returns), a.tasks.map((t) => t.returns), 'episodes run in rounds are seeded as in one batch');
    assert.equal(oneAtATime.envSteps, a.envSteps);
    const mw = a.tasks[0]!;
    assert.equal(mw.domain, 'metaworld');
    assert.ok(mw.successRate !== undefined && mw.successRate >= 0 && mw.successRate <= 1);
    assert.equal(mw.score, mw.successRate);
    const dmc = a.tasks[1]!;
    assert.equal(dmc.domain, 'dmc');
    assert.ok(Number.isFinite(dmc.normalizedScore));
    assert.equal(a.envSteps, 2 * 2 * 12);
    assert.ok(Math.abs(a.meanScore - (mw.score + dmc.score) / 2) < 1e-12);
    assert.match(textTable(a), /reach-v2\s+metaworld\s+2/);
    assert.match(markdownTable(a), /^\| task \| domain \|/);
    assert.ok(model.training, 'the model is back in training mode');
    await assert.rejects(evaluate(model, { tasks: ['nope-v2'], episodes: 1 }), /unknown task 'nope-v2'/);
    await assert.rejects(evaluate(model, { tasks: ['reach-v2'], episodes: 0 }), /episodes must be a positive integer/);
    await assert.rejects(evaluate(model, { tasks: ['reach-v2'], episodes: 1, concurrentEnvs: 0 }), /concurrentEnvs must be a positive integer/);
  } finally {
    model.dispose();
  }
});
