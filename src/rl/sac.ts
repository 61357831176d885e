/**
 * Soft Actor-Critic (Haarnoja et al. 2018, with the learned temperature of the follow-up paper), as
 * pytorch_sac implements it. One `update(batch)`:
 *   critic: a' ~ pi(s'), y = r + gamma (1 - terminated) (min(Q1', Q2')(s', a') - alpha log pi(a'|s')),
 *           loss = mse(Q1(s, a), y) + mse(Q2(s, a), y);
 *   actor (every `actorUpdateEvery`): a~ ~ pi(s), loss = mean(alpha log pi(a~|s) - min(Q1, Q2)(s, a~));
 *   temperature: loss = mean(alpha (-log pi(a~|s) - targetEntropy)), alpha = exp(log_alpha);
 *   targets (every `targetUpdateEvery`): Q' <- (1 - tau) Q' + tau Q.
 * Actions live in [-1, 1]^A (tanh); environments with other bounds are mapped affinely by the caller.
 */
import * as torch from '../torch/index.ts';
import type { Rng } from '../envs/rng.ts';
import { DoubleQCritic, TanhGaussianActor } from './networks.ts';
import type { SacBatch } from './replay-buffer.ts';
import { sacConfig, type SacConfig } from './sac-config.ts';
import { sampleSquashed } from './tanh-gaussian.ts';
const { nn, optim, F } = torch;

export interface SacUpdateStats {
  criticLoss: number;
  /** Present on updates that trained the actor. */
  actorLoss?: number;
  alphaLoss?: number;
  alpha: number;
  /** -mean log pi of the actor's fresh actions (actor updates only). */
  entropy?: number;
  /** Mean of Q1(s, a) over the batch. */
  q: number;
}

/** Standard normal noise for the two reparameterised samples of an update (tests inject their own). */
export interface UpdateNoise {
  /** For a' ~ pi(s') in the critic target, [B, A]. */
  next: torch.Tensor;
  /** For a~ ~ pi(s) in the actor loss, [B, A]. */
  current: torch.Tensor;
}

/**
 * Actions from the actor's head: tanh(mu) without `rng`/`std` (evaluation), else tanh(mu + std * eps)
 * with eps ~ N(0, 1) drawn from `rng` in order (the batched SAC samples each task's actions with this).
 */
export function squashedAction(mu: Float32Array, std: Float32Array | undefined, rng: Rng | undefined): Float32Array {
  const a = new Float32Array(mu.length);
  for (let i = 0; i < a.length; i++) a[i] = Math.tanh(std ? mu[i]! + std[i]! * rng!.normal() : mu[i]!);
  return a;
}

/** The networks as one module, so one state dict holds them all. */
export class SacNetworks extends nn.Module {
  actor: TanhGaussianActor;
  critic: DoubleQCritic;
  criticTarget: DoubleQCritic;
  logAlpha: torch.nn.Parameter;
  constructor(obsDim: number, actDim: number, c: SacConfig) {
    super();
    this.actor = new TanhGaussianActor(obsDim, actDim, c.hidden, c.logStdMin, c.logStdMax);
    this.critic = new DoubleQCritic(obsDim, actDim, c.hidden);
    this.criticTarget = new DoubleQCritic(obsDim, actDim, c.hidden);
    this.criticTarget.loadStateDict(this.critic.stateDict());
    for (const p of this.criticTarget.parameters()) p.requiresGrad_(false);
    this.logAlpha = torch.tidy(() => new nn.Parameter(torch.tensor(Math.log(c.initTemperature), { dtype: 'float32' })));
  }
}

export class SacAgent {
  readonly config: SacConfig;
  readonly nets: SacNetworks;
  readonly actorOpt: torch.optim.Adam;
  readonly criticOpt: torch.optim.Adam;
  readonly alphaOpt: torch.optim.Adam;
  readonly targetEntropy: number;
  /** Updates done so far (drives the actor / target schedules). */
  updates = 0;
  private readonly criticParams: torch.nn.Parameter[];

  /** Builds fresh networks from torch's generator (seed it first with `torch.manualSeed`). */
  constructor(
    readonly obsDim: number,
    readonly actDim: number,
    config: Partial<SacConfig> = {},
  ) {
    this.config = sacConfig(config);
    const c = this.config;
    this.nets = new SacNetworks(obsDim, actDim, c);
    this.targetEntropy = c.targetEntropy ?? -actDim;
    this.criticParams = this.nets.critic.parameters();
    this.actorOpt = new optim.Adam(this.nets.actor.parameters(), { lr: c.actorLr, betas: c.betas });
    this.criticOpt = new optim.Adam(this.criticParams, { lr: c.criticLr, betas: c.betas });
    this.alphaOpt = new optim.Adam([this.nets.logAlpha], { lr: c.alphaLr, betas: c.betas });
  }

  get alpha(): number {
    return torch.tidy(() => this.nets.logAlpha.exp().item());
  }

  /**
   * Actions for a batch of observations ([N, obsDim] row-major): tanh(mu) when `rng` is omitted
   * (evaluation), else tanh(mu + std * eps) with eps ~ N(0, 1) from `rng`.
   */
  act(obs: ArrayLike<number>, rng?: Rng): Float32Array {
    const n = obs.length / this.obsDim;
    if (!Number.isInteger(n) || n < 1) throw new Error(`SacAgent.act: expected a multiple of ${this.obsDim} observation values, got ${obs.length}`);
    const { mu, std } = torch.tidy(() =>
      torch.inferenceMode(() => {
        const head = this.nets.actor.forward(torch.tensor(Float32Array.from(obs), { shape: [n, this.obsDim] }));
        return { mu: head.mu.toFloat32Array(), std: rng ? head.logStd.exp().toFloat32Array() : undefined };
      }),
    );
    return squashedAction(mu, std, rng);
  }

  /** One SAC update on `batch` (noise drawn from torch's generator unless given). */
  update(batch: SacBatch, noise?: UpdateNoise): SacUpdateStats {
    const c = this.config;
    const { actor, critic, criticTarget, logAlpha } = this.nets;
    const B = batch.obs.size(0);
    const stats = torch.tidy((): SacUpdateStats => {
      const alpha = logAlpha.exp().detach();
      // Critic.
      const target = torch.noGrad(() => {
        const head = actor.forward(batch.nextObs);
        const next = sampleSquashed(head.mu, head.logStd, noise?.next ?? torch.randn([B, this.actDim]));
        const [tq1, tq2] = criticTarget.forward(batch.nextObs, next.action);
        const v = torch.minimum(tq1, tq2).sub(next.logProb.mul(alpha));
        return batch.reward.add(batch.notDone.mul(v).mul(c.discount));
      });
      const [q1, q2] = critic.forward(batch.obs, batch.action);
      const criticLoss = F.mseLoss(q1, target).add(F.mseLoss(q2, target));
      this.criticOpt.zeroGrad();
      criticLoss.backward();
      this.criticOpt.step();
      const out: SacUpdateStats = { criticLoss: criticLoss.item(), alpha: alpha.item(), q: q1.mean().item() };

      if (this.updates % c.actorUpdateEvery === 0) {
        // The critic only passes gradients through to the action here.
        for (const p of this.criticParams) p.requiresGrad_(false);
        const head = actor.forward(batch.obs);
        const cur = sampleSquashed(head.mu, head.logStd, noise?.current ?? torch.randn([B, this.actDim]));
        const [aq1, aq2] = critic.forward(batch.obs, cur.action);
        const actorLoss = cur.logProb.mul(alpha).sub(torch.minimum(aq1, aq2)).mean();
        this.actorOpt.zeroGrad();
        actorLoss.backward();
        this.actorOpt.step();
        for (const p of this.criticParams) p.requiresGrad_(true);
        out.actorLoss = actorLoss.item();
        const logProb = cur.logProb.detach();
        out.entropy = -logProb.mean().item();
        if (c.learnTemperature) {
          const alphaLoss = logAlpha.exp().mul(logProb.neg().sub(this.targetEntropy)).mean();
          this.alphaOpt.zeroGrad();
          alphaLoss.backward();
          this.alphaOpt.step();
          out.alphaLoss = alphaLoss.item();
        }
      }
      if (this.updates % c.targetUpdateEvery === 0) this.softUpdateTargets();
      return out;
    });
    this.updates++;
    return stats;
  }

  private softUpdateTargets(): void {
    const online = this.nets.critic.parameters();
    const target = this.nets.criticTarget.parameters();
    torch.noGrad(() => online.forEach((p, i) => target[i]!.lerp_(p, this.config.tau)));
  }

  /** Everything a resumed agent needs: network tensors plus the optimisers' state. */
  stateDict(): { tensors: Record<string, torch.Tensor>; meta: Record<string, unknown> } {
    const tensors: Record<string, torch.Tensor> = {};
    for (const [k, t] of Object.entries(this.nets.stateDict())) tensors[`nets.${k}`] = t;
    const meta: Record<string, unknown> = { updates: this.updates };
    for (const [name, opt] of this.optimizers()) {
      const st = opt.stateDict();
      for (const [k, t] of Object.entries(st.tensors)) tensors[`${name}.${k}`] = t;
      meta[name] = st.meta;
    }
    return { tensors, meta };
  }

  loadStateDict(tensors: Record<string, torch.Tensor>, meta: Record<string, unknown>, source = 'SAC state'): void {
    const pick = (prefix: string): Record<string, torch.Tensor> =>
      Object.fromEntries(Object.entries(tensors).filter(([k]) => k.startsWith(prefix)).map(([k, t]) => [k.slice(prefix.length), t]));
    this.nets.loadStateDict(pick('nets.'), { source });
    for (const [name, opt] of this.optimizers()) {
      const m = meta[name] as torch.optim.OptimizerState['meta'] | undefined;
      if (!m) throw new Error(`${source}: no state for the ${name} optimiser`);
      opt.loadStateDict({ tensors: pick(`${name}.`), meta: m }, `${source} (${name})`);
    }
    if (typeof meta.updates !== 'number') throw new Error(`${source}: no update counter`);
    this.updates = meta.updates;
  }

  private optimizers(): [string, torch.optim.Adam][] {
    return [
      ['actorOpt', this.actorOpt],
      ['criticOpt', this.criticOpt],
      ['alphaOpt', this.alphaOpt],
    ];
  }

  dispose(): void {
    for (const [, o] of this.optimizers()) o.dispose();
    this.nets.dispose();
  }
}
