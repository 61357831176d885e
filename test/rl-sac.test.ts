import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as torch from '../src/torch/index.ts';
import { sampleSquashed, squashedLogProb } from '../src/rl/tanh-gaussian.ts';
import { SacAgent } from '../src/rl/sac.ts';
import { ReplayBuffer } from '../src/rl/replay-buffer.ts';
import { trainSac, type TrainSacOptions } from '../src/rl/train-sac.ts';
import { sacConfig } from '../src/rl/sac-config.ts';
import { orthogonal_ } from '../src/rl/networks.ts';
import { Rng } from '../src/envs/rng.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const TINY = { hidden: [32, 32], batchSize: 32, seedSteps: 100 };

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'l2m-sac-'));
}

/** max |a - b| / max |b| (floored so near-zero tensors compare absolutely). */
function relError(a: torch.Tensor, b: torch.Tensor): number {
  return torch.tidy(() => a.sub(b.reshape(a.shape)).abs().max().item() / Math.max(b.abs().max().item(), 1e-6));
}

test('tanh-Gaussian log-prob equals the hand-derived density with the tanh correction', () => {
  // log pi(a) = sum_i [ -eps_i^2/2 - log std_i - log sqrt(2 pi) - log(1 - tanh(u_i)^2) ],
  // with 1 - tanh(u)^2 = sech(u)^2 = 4 / (e^u + e^-u)^2 (computed here in float64, independently).
  const mu = [0.3, -1.2, 2.5];
  const logStd = [-0.5, 0.2, -3];
  const eps = [1.2, -0.7, 3.1]; // the last dimension saturates: u = 2.5 + 3.1 e^-3 ~ 2.65
  let want = 0;
  for (let i = 0; i < 3; i++) {
    const u = mu[i]! + Math.exp(logStd[i]!) * eps[i]!;
    const logSech2 = Math.log(4) - 2 * Math.log(Math.exp(u) + Math.exp(-u));
    want += -0.5 * eps[i]! ** 2 - logStd[i]! - 0.5 * Math.log(2 * Math.PI) - logSech2;
  }
  torch.tidy(() => {
    const t = (x: number[]) => torch.tensor([x], { dtype: 'float64' });
    const { action, logProb } = sampleSquashed(t(mu), t(logStd), t(eps));
    assert.deepEqual(logProb.shape, [1, 1]);
    assert.ok(Math.abs(logProb.item() - want) < 1e-10, `log-prob ${logProb.item()} vs hand-derived ${want}`);
    const a = action.toArray();
    mu.forEach((m, i) => assert.ok(Math.abs(a[i]! - Math.tanh(m + Math.exp(logStd[i]!) * eps[i]!)) < 1e-12));
    // Far in the tail (u = 20): 1 - tanh(u)^2 underflows in float32, the stable form does not.
    const lp = squashedLogProb(torch.tensor([[0]]), torch.tensor([[0]]), torch.tensor([[20]])).item();
    const tail = -0.5 * 400 - 0.5 * Math.log(2 * Math.PI) - (Math.log(4) - 2 * (20 + Math.log1p(Math.exp(-40))));
    assert.ok(Number.isFinite(lp) && Math.abs(lp - tail) < 1e-3 * Math.abs(tail), `tail log-prob ${lp} vs ${tail}`);
  });
});

test('orthogonal_ gives orthonormal rows or columns', () => {
  torch.manualSeed(3);
  for (const shape of [
    [8, 5],
    [5, 8],
  ]) {
    torch.tidy(() => {
      const w = torch.empty(shape);
      orthogonal_(w);
      const g = shape[0]! >= shape[1]! ? w.t().matmul(w) : w.matmul(w.t());
      assert.ok(g.sub(torch.eye(Math.min(...shape))).abs().max().item() < 1e-5, `W^T W = I for [${shape}]`);
    });
  }
});

test('two SAC updates match a PyTorch reference on identical weights, batches and noise (1e-5 relative)', () => {
  const python = torch.testing.findTorchPython();
  assert.ok(python);
  const obsDim = 5;
  const actDim = 2;
  const B = 16;
  torch.manualSeed(11);
  const agent = new SacAgent(obsDim, actDim, { hidden: [16, 16], actorLr: 1e-3, criticLr: 2e-3, alphaLr: 5e-3, initTemperature: 0.2, targetUpdateEvery: 2, tau: 0.05 });
  const dir = tmpDir();
  try {
    // Targets differ from the online critics so the soft update is visible.
    torch.noGrad(() => {
      for (const p of agent.nets.criticTarget.parameters()) p.add_(torch.tidy(() => torch.randn(p.shape).mul(0.05)));
    });
    const record: Record<string, torch.Tensor> = {};
    for (const [k, p] of Object.entries(agent.nets.stateDict())) record[`param.${k}`] = p.clone();
    const batches = [0, 1].map((k) => {
      const b = {
        obs: torch.randn([B, obsDim]),
        action: torch.rand([B, actDim]).mul(2).sub(1),
        reward: torch.rand([B, 1]),
        nextObs: torch.randn([B, obsDim]),
        notDone: torch.tensor(Float32Array.from({ length: B }, (_, i) => (i % 5 === 0 ? 0 : 1)), { shape: [B, 1] }),
      };
      const noise = { next: torch.randn([B, actDim]), current: torch.randn([B, actDim]) };
      Object.assign(record, {
        [`b${k}.obs`]: b.obs,
        [`b${k}.action`]: b.action,
        [`b${k}.reward`]: b.reward,
        [`b${k}.next_obs`]: b.nextObs,
        [`b${k}.not_done`]: b.notDone,
        [`b${k}.eps_next`]: noise.next,
        [`b${k}.eps_cur`]: noise.current,
      });
      return { b, noise };
    });
    const c = agent.config;
    const cfg = { ...c, targetEntropy: agent.targetEntropy, updates: 2 };
    const inFile = path.join(dir, 'in.safetensors');
    const outFile = path.join(dir, 'out.safetensors');
    torch.saveSafetensors(inFile, record, { config: JSON.stringify(cfg) });
    torch.testing.runPython(path.join(here, 'reference', 'sac_update.py'), [inFile, outFile]);
    const ref = torch.loadSafetensors(outFile).tensors;

    batches.forEach(({ b, noise }, k) => {
      const s = agent.update(b, noise);
      const near = (ours: number, name: string): void => {
        const want = ref[`u${k}.${name}`]!.item();
        assert.ok(Math.abs(ours - want) <= 1e-5 * Math.max(Math.abs(want), 1e-3), `update ${k} ${name}: ${ours} vs PyTorch ${want}`);
      };
      near(s.criticLoss, 'critic_loss');
      near(s.actorLoss!, 'actor_loss');
      near(s.alphaLoss!, 'alpha_loss');
      const grads: [string, torch.Tensor][] = [
        ...Array.from(agent.nets.critic.namedParameters(), ([n, p]) => [`critic.${n}`, p] as [string, torch.Tensor]),
        ...Array.from(agent.nets.actor.namedParameters(), ([n, p]) => [`actor.${n}`, p] as [string, torch.Tensor]),
        ['logAlpha', agent.nets.logAlpha],
      ];
      for (const [name, p] of grads) {
        torch.tidy(() => {
          const err = relError(p.grad!, ref[`u${k}.grad.${name}`]!);
          assert.ok(err <= 1e-5, `update ${k}: gradient of ${name} off by ${err} (relative)`);
        });
      }
    });
    for (const [name, p] of Object.entries(agent.nets.stateDict())) {
      const err = relError(p, ref[`final.${name}`]!);
      assert.ok(err <= 1e-5, `after two updates, ${name} off by ${err} (relative)`);
    }
    torch.dispose(ref);
    torch.dispose(record);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    agent.dispose();
  }
});

function tinyRun(out: string, extra: Partial<TrainSacOptions> = {}): TrainSacOptions & { keepLearner: true } {
  return { task: 'cartpole-swingup', steps: 300, out, seed: 5, maxEpisodeSteps: 100, evalEvery: 0, config: TINY, keepLearner: true, ...extra };
}

function paramsOf(r: Awaited<ReturnType<typeof trainSac>>): Map<string, Float32Array> {
  const m = new Map<string, Float32Array>();
  for (const [k, t] of Object.entries(r.learner!.agent.stateDict().tensors)) m.set(k, t.toFloat32Array());
  return m;
}

test('seeded determinism: two 300-step runs with one seed give identical parameters; another seed does not', async () => {
  const dir = tmpDir();
  try {
    const a = await trainSac(tinyRun(path.join(dir, 'a')));
    const b = await trainSac(tinyRun(path.join(dir, 'b')));
    const c = await trainSac(tinyRun(path.join(dir, 'c'), { seed: 6, steps: 120 }));
    assert.equal(a.learner!.agent.updates, 200);
    const [pa, pb, pc] = [a, b, c].map(paramsOf);
    assert.deepEqual([...pa.keys()], [...pb.keys()]);
    for (const [k, v] of pa) assert.deepEqual(v, pb.get(k), `${k} differs between identical runs`);
    assert.notDeepEqual(pa.get('nets.actor.trunk.layers.0.weight'), pc.get('nets.actor.trunk.layers.0.weight'));
    assert.deepEqual(a.learner!.buffer.rewards, b.learner!.buffer.rewards);
    for (const r of [a, b, c]) r.learner!.dispose();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('checkpoint save/resume: 200 steps + resume to 300 equals 300 straight (parameters, optimisers, buffer, curve)', async () => {
  const dir = tmpDir();
  try {
    const evalOpts = { evalEvery: 100, evalEpisodes: 1 };
    const full = await trainSac(tinyRun(path.join(dir, 'full'), evalOpts));
    const part = path.join(dir, 'part');
    const first = await trainSac(tinyRun(part, { ...evalOpts, steps: 200 }));
    first.learner!.dispose();
    assert.ok(fs.existsSync(path.join(part, 'checkpoint', 'replay.safetensors')));
    await assert.rejects(trainSac(tinyRun(part, { ...evalOpts })), /already holds a SAC run/);
    await assert.rejects(trainSac(tinyRun(part, { ...evalOpts, resume: true, seed: 9 })), /does not match this run \(seed 5 vs 9\)/);
    await assert.rejects(trainSac(tinyRun(part, { ...evalOpts, resume: true, config: { ...TINY, batchSize: 16 } })), /SAC config differs/);
    const resumed = await trainSac(tinyRun(part, { ...evalOpts, resume: true }));
    assert.equal(resumed.steps, 300);
    const [pf, pr] = [full, resumed].map(paramsOf);
    for (const [k, v] of pf) assert.deepEqual(v, pr.get(k), `${k} differs after resume`);
    assert.equal(resumed.learner!.agent.updates, full.learner!.agent.updates);
    assert.deepEqual(resumed.learner!.buffer.obs, full.learner!.buffer.obs);
    assert.deepEqual(resumed.curve, full.curve);
    assert.deepEqual(full.curve.map((p) => p.step), [0, 100, 200, 300]);
    assert.equal(fs.readFileSync(path.join(part, 'eval.csv'), 'utf8'), fs.readFileSync(path.join(dir, 'full', 'eval.csv'), 'utf8'));
    const trainLines = fs.readFileSync(path.join(part, 'train.csv'), 'utf8').trim().split('\n');
    assert.equal(trainLines.length, 1 + 3, 'one train.csv row per episode, no duplicates after resume');
    full.learner!.dispose();
    resumed.learner!.dispose();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('clear errors: unknown task, bad options and config, nothing to resume', async () => {
  const dir = tmpDir();
  try {
    await assert.rejects(trainSac(tinyRun(dir, { task: 'cartpole-swingdown' })), /unknown task 'cartpole-swingdown'/);
    await assert.rejects(trainSac(tinyRun(dir, { steps: 0 })), /steps must be an integer >= 1, got 0/);
    await assert.rejects(trainSac(tinyRun(dir, { evalEpisodes: 1.5 })), /evalEpisodes must be an integer/);
    await assert.rejects(trainSac(tinyRun(dir, { resume: true })), /nothing to resume/);
    assert.throws(() => sacConfig({ batchSize: -1 }), /invalid SAC config: batchSize/);
    assert.throws(() => sacConfig({ hiden: [3] } as never), /invalid SAC config: .*hiden/);
    assert.throws(() => sacConfig({ logStdMin: 2, logStdMax: -5 }), /logStdMin must be below logStdMax/);
    assert.throws(() => new ReplayBuffer(10, 3, 1).add([1, 2], [0], 0, [1, 2, 3], false, false), /observations must have 3 values/);
    assert.throws(() => new ReplayBuffer(10, 3, 1).sample(4, new Rng(0)), /buffer is empty/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
