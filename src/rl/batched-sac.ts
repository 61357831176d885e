/**
 * The SAC agents of many tasks trained as one: every layer of the T tasks' networks is stacked into
 * one [N, out, in] weight and run as one batched matmul (`stackedLinear`: bmm over the task dimension),
 * the losses are per-task means summed (so each task's gradient is its own loss's), the three Adam
 * optimisers run over the stacked parameters (Adam is elementwise: stacking changes nothing), and the
 * temperature, target entropy, batches and noise are per task.
 *
 * Per-task results equal those of separate `SacAgent`s bit for bit (test/rl-sac-batched.test.ts):
 *  - Matmuls: libtorch runs a bmm as one gemm per slice, the same gemm call as the single agent's
 *    (`SacAgent` computes its layers as stacks of one, `linearOfOne`, for this reason).
 *  - Shapes: tasks with different observation or action sizes cannot share the first and last layers'
 *    weights, and zero-padding them is not exact (BLAS kernels for narrow matrices sum differently), so
 *    tasks form shape groups (equal obs and action sizes): first layers, the actor's last layer and the
 *    tanh-Gaussian head run per group; hidden layers and the critics' last layer (1 output) over all
 *    tasks.
 *  - Elementwise ops are position-independent in libtorch's CPU kernels except softplus (its vector
 *    body and scalar tail differ in the last bit): it is applied per task unless B·A is a multiple of
 *    32, when every element of every task lies in the vector body either way.
 *  - Reductions (losses, log-prob sums, bias gradients) reduce each task's own rows.
 *  - Random numbers: none are drawn here. Each task's batch and noise come from its own seeds
 *    (`SacLearner.updateInputs`), drawn before the batched update, so tasks never share a generator.
 * The critics' twin Q networks are stacked too: row 2p is task p's Q1, row 2p + 1 its Q2.
 *
 * All tasks must share the SAC config and be at the same update count (they step in lockstep).
 * `fromAgents` builds the stack from single agents (their weights and optimiser states) and
 * `writeBack` copies each task's slice back into them, for checkpoints in the single-task format.
 */
import * as torch from '../torch/index.ts';
import { gaussianHead, stackedLinear, type GaussianHead } from './networks.ts';
import type { SacBatch } from './replay-buffer.ts';
import type { SacAgent, SacUpdateStats, UpdateNoise } from './sac.ts';
import type { SacConfig } from './sac-config.ts';
import { sampleSquashed } from './tanh-gaussian.ts';
const { nn, optim, F } = torch;

type Parameter = torch.nn.Parameter;

/** Tasks of one observation / action size, at positions [start, start + count) of the stack. */
interface ShapeGroup {
  obsDim: number;
  actDim: number;
  start: number;
  count: number;
}

/** A stacked layer: one tensor over all rows, or one per shape group. */
type StackedLayer = { kind: 'all'; w: Parameter; b: Parameter } | { kind: 'group'; w: Parameter[]; b: Parameter[] };

/** Where one single-agent parameter lives in the stack. */
interface Slot {
  stacked: Parameter;
  row: number;
}

/** One row of a stacked parameter: the single agent's tensor it mirrors. */
interface Row {
  task: number;
  single: torch.Tensor;
}

/** An MLP of every task (times `k` replicas per task), layer by layer stacked. */
class StackedMlp {
  constructor(
    readonly layers: StackedLayer[],
    /** Rows per task (2 for the twin critics). */
    readonly k: number,
    readonly groups: ShapeGroup[],
  ) {}

  parameters(): Parameter[] {
    return this.layers.flatMap((l) => (l.kind === 'all' ? [l.w, l.b] : l.w.flatMap((w, g) => [w, l.b[g]!])));
  }

  /** Inputs per shape group ([k·G, B, in]); returns the last layer's output per group, or over all rows. */
  forward(inputs: torch.Tensor[]): torch.Tensor[] | torch.Tensor {
    let h: torch.Tensor[] | torch.Tensor = inputs;
    const { k, groups } = this;
    this.layers.forEach((layer, l) => {
      if (layer.kind === 'group') {
        const parts: torch.Tensor[] = Array.isArray(h) ? h : groups.map((g) => (h as torch.Tensor).narrow(0, k * g.start, k * g.count));
        h = parts.map((x, g) => stackedLinear(x, layer.w[g]!, layer.b[g]!));
      } else {
        const x: torch.Tensor = Array.isArray(h) ? (h.length === 1 ? h[0]! : torch.cat(h, 0)) : h;
        h = stackedLinear(x, layer.w, layer.b);
      }
      if (l === this.layers.length - 1) return;
      if (Array.isArray(h) && this.layers[l + 1]!.kind === 'all') h = h.length === 1 ? h[0]! : torch.cat(h, 0);
      h = Array.isArray(h) ? h.map((x) => x.relu()) : h.relu();
    });
    return h;
  }
}

export class BatchedSacAgent {
  readonly config: SacConfig;
  readonly numTasks: number;
  readonly obsDims: number[];
  readonly actDims: number[];
  /** Updates done so far (shared: the tasks update in lockstep). */
  updates: number;
  private readonly groups: ShapeGroup[];
  /** Stack position of each task, and task at each position. */
  private readonly position: number[];
  private readonly taskAt: number[];
  private readonly groupOf: number[];
  private readonly actor: StackedMlp;
  private readonly critic: StackedMlp;
  private readonly criticTarget: StackedMlp;
  /** [T] in stack order. */
  private readonly logAlpha: Parameter;
  private readonly targetEntropy: number[];
  readonly actorOpt: torch.optim.Adam;
  readonly criticOpt: torch.optim.Adam;
  readonly alphaOpt: torch.optim.Adam;
  /** Per stacked parameter, its rows' single-agent tensors (for fromAgents / writeBack). */
  private readonly rows = new Map<Parameter, Row[]>();
  /** Per task, where each of its single agent's parameters lives. */
  private readonly slots: Map<torch.Tensor, Slot>[];

  private constructor(agents: SacAgent[]) {
    if (agents.length === 0) throw new Error('BatchedSacAgent: needs at least one agent');
    const c = agents[0]!.config;
    const key = JSON.stringify(c);
    agents.forEach((a, t) => {
      if (JSON.stringify(a.config) !== key) throw new Error(`BatchedSacAgent: task ${t}'s SAC config differs from task 0's (the tasks are trained as one batch with one config)`);
      if (a.updates !== agents[0]!.updates) throw new Error(`BatchedSacAgent: task ${t} has done ${a.updates} updates, task 0 ${agents[0]!.updates} (batched tasks update in lockstep)`);
    });
    this.config = c;
    this.numTasks = agents.length;
    this.obsDims = agents.map((a) => a.obsDim);
    this.actDims = agents.map((a) => a.actDim);
    this.targetEntropy = agents.map((a) => a.targetEntropy);
    this.updates = agents[0]!.updates;

    // Shape groups in order of first appearance; positions group by group.
    const groups: (ShapeGroup & { tasks: number[] })[] = [];
    agents.forEach((a, t) => {
      let g = groups.find((x) => x.obsDim === a.obsDim && x.actDim === a.actDim);
      if (!g) groups.push((g = { obsDim: a.obsDim, actDim: a.actDim, start: 0, count: 0, tasks: [] }));
      g.tasks.push(t);
    });
    this.taskAt = [];
    this.groupOf = new Array<number>(agents.length);
    for (const [gi, g] of groups.entries()) {
      g.start = this.taskAt.length;
      g.count = g.tasks.length;
      for (const t of g.tasks) {
        this.taskAt.push(t);
        this.groupOf[t] = gi;
      }
    }
    this.groups = groups.map(({ obsDim, actDim, start, count }) => ({ obsDim, actDim, start, count }));
    this.position = new Array<number>(agents.length);
    this.taskAt.forEach((t, p) => (this.position[t] = p));
    this.slots = agents.map(() => new Map());

    const depth = c.hidden.length + 1;
    const kindOf = (net: 'actor' | 'critic', l: number): 'all' | 'group' => (l === 0 || (l === depth - 1 && net === 'actor') ? 'group' : 'all');
    const linears = (a: SacAgent, net: 'actor' | 'critic' | 'criticTarget', r: number): torch.nn.Linear[] =>
      net === 'actor' ? a.nets.actor.trunk.layers : (r === 0 ? a.nets[net].q1 : a.nets[net].q2).layers;
    const build = (net: 'actor' | 'critic' | 'criticTarget'): StackedMlp => {
      const k = net === 'actor' ? 1 : 2;
      const requiresGrad = net !== 'criticTarget';
      const stack = (rowsOf: number[], pick: (l: torch.nn.Linear) => torch.Tensor, l: number): Parameter => {
        const rows: Row[] = [];
        for (const p of rowsOf) for (let r = 0; r < k; r++) rows.push({ task: this.taskAt[p]!, single: pick(linears(agents[this.taskAt[p]!]!, net, r)[l]!) });
        const param = torch.tidy(() => torch.noGrad(() => new nn.Parameter(torch.stack(rows.map((x) => x.single), 0), requiresGrad)));
        this.register(param, rows);
        return param;
      };
      const all = Array.from({ length: agents.length }, (_, p) => p);
      const layers = Array.from({ length: depth }, (_, l): StackedLayer => {
        const w = (l2: torch.nn.Linear): torch.Tensor => l2.weight;
        const b = (l2: torch.nn.Linear): torch.Tensor => l2.bias!;
        if (kindOf(net === 'actor' ? 'actor' : 'critic', l) === 'all') return { kind: 'all', w: stack(all, w, l), b: stack(all, b, l) };
        const ws: Parameter[] = [];
        const bs: Parameter[] = [];
        for (const g of this.groups) {
          const rowsOf = all.slice(g.start, g.start + g.count);
          ws.push(stack(rowsOf, w, l));
          bs.push(stack(rowsOf, b, l));
        }
        return { kind: 'group', w: ws, b: bs };
      });
      return new StackedMlp(layers, k, this.groups);
    };
    this.actor = build('actor');
    this.critic = build('critic');
    this.criticTarget = build('criticTarget');
    const alphaRows = this.taskAt.map((t) => ({ task: t, single: agents[t]!.nets.logAlpha as torch.Tensor }));
    this.logAlpha = torch.tidy(() => torch.noGrad(() => new nn.Parameter(torch.stack(alphaRows.map((r) => r.single), 0))));
    this.register(this.logAlpha, alphaRows);

    this.actorOpt = new optim.Adam(this.actor.parameters(), { lr: c.actorLr, betas: c.betas });
    this.criticOpt = new optim.Adam(this.critic.parameters(), { lr: c.criticLr, betas: c.betas });
    this.alphaOpt = new optim.Adam([this.logAlpha], { lr: c.alphaLr, betas: c.betas });
    this.loadOptimizers(agents);
  }

  private register(param: Parameter, rows: Row[]): void {
    this.rows.set(param, rows);
    rows.forEach((r, row) => this.slots[r.task]!.set(r.single, { stacked: param, row }));
  }

  /** A batched agent holding copies of `agents`' networks and optimiser states (the agents are left as they are). */
  static fromAgents(agents: SacAgent[]): BatchedSacAgent {
    return new BatchedSacAgent(agents);
  }

  /** [single optimiser, batched optimiser] pairs. */
  private optimizerPairs(a: SacAgent): [torch.optim.Adam, torch.optim.Adam][] {
    return [
      [a.actorOpt, this.actorOpt],
      [a.criticOpt, this.criticOpt],
      [a.alphaOpt, this.alphaOpt],
    ];
  }

  private loadOptimizers(agents: SacAgent[]): void {
    for (let which = 0; which < 3; which++) {
      const batched = this.optimizerPairs(agents[0]!)[which]![1];
      const singles = agents.map((a) => {
        const opt = this.optimizerPairs(a)[which]![0];
        const params = opt.paramGroups.flatMap((g) => g.params);
        return { params, state: opt.stateDict() };
      });
      const params = batched.paramGroups.flatMap((g) => g.params) as Parameter[];
      const tensors: Record<string, torch.Tensor> = {};
      const scalars: Record<string, Record<string, number>> = {};
      torch.tidy(() => {
        params.forEach((p, j) => {
          const rows = this.rows.get(p)!;
          const per = rows.map((r) => {
            const s = singles[r.task]!;
            const i = s.params.indexOf(r.single);
            if (i < 0) throw new Error('BatchedSacAgent: a parameter is missing from its optimiser');
            return { exp: s.state.tensors[`state.${i}.exp_avg`], sq: s.state.tensors[`state.${i}.exp_avg_sq`], step: s.state.meta.scalars[String(i)]?.step };
          });
          const steps = new Set(per.map((x) => x.step));
          if (steps.size !== 1) throw new Error(`BatchedSacAgent: the tasks' optimisers are at different steps (${[...steps].join(', ')}); batched tasks update in lockstep`);
          if (per[0]!.step === undefined) return;
          tensors[`state.${j}.exp_avg`] = torch.stack(per.map((x) => x.exp!), 0);
          tensors[`state.${j}.exp_avg_sq`] = torch.stack(per.map((x) => x.sq!), 0);
          scalars[String(j)] = { step: per[0]!.step };
        });
        if (Object.keys(scalars).length === 0) return;
        const meta = batched.stateDict().meta;
        batched.loadStateDict({ tensors, meta: { ...meta, scalars } }, 'batched SAC optimiser');
      });
    }
  }

  /**
   * Copies task t's networks and optimiser states into `agents[t]` (built with the same dimensions
   * and config), so they hold what separate training would have given; for checkpoints.
   */
  writeBack(agents: SacAgent[], tasks: number[] = agents.map((_, t) => t)): void {
    torch.tidy(() => {
      for (const t of tasks) {
        const a = agents[t]!;
        torch.noGrad(() => {
          for (const [single, { stacked, row }] of this.slots[t]!) single.copy_(stacked.select(0, row));
        });
        for (const [single, batched] of this.optimizerPairs(a)) {
          const b = batched.stateDict();
          const bParams = batched.paramGroups.flatMap((g) => g.params);
          const params = single.paramGroups.flatMap((g) => g.params);
          const tensors: Record<string, torch.Tensor> = {};
          const scalars: Record<string, Record<string, number>> = {};
          params.forEach((p, i) => {
            const { stacked, row } = this.slots[t]!.get(p)!;
            const j = bParams.indexOf(stacked);
            const step = b.meta.scalars[String(j)];
            if (!step) return;
            tensors[`state.${i}.exp_avg`] = b.tensors[`state.${j}.exp_avg`]!.select(0, row);
            tensors[`state.${i}.exp_avg_sq`] = b.tensors[`state.${j}.exp_avg_sq`]!.select(0, row);
            scalars[String(i)] = { ...step };
          });
          if (Object.keys(scalars).length) single.loadStateDict({ tensors, meta: { ...single.stateDict().meta, scalars } }, 'SAC optimiser');
        }
        a.updates = this.updates;
      }
    });
  }

  /** Per group [G·k, B, ·] stacks of per-task [B, ·] tensors (k copies of each, interleaved). */
  private perGroup(xs: torch.Tensor[], k = 1): torch.Tensor[] {
    return this.groups.map((g) => {
      const s = torch.stack(this.taskAt.slice(g.start, g.start + g.count).map((t) => xs[t]!), 0);
      if (k === 1) return s;
      const shape = s.shape;
      return s.unsqueeze(1).expand([shape[0]!, k, ...shape.slice(1)]).reshape([shape[0]! * k, ...shape.slice(1)]);
    });
  }

  /** Per-task [B, ·] tensors in stack order as one [T, B, ·]. */
  private stacked(xs: torch.Tensor[]): torch.Tensor {
    return torch.stack(this.taskAt.map((t) => xs[t]!), 0);
  }

  private heads(obs: torch.Tensor[]): GaussianHead[] {
    const out = this.actor.forward(obs) as torch.Tensor[];
    return out.map((o) => gaussianHead(o, this.config.logStdMin, this.config.logStdMax));
  }

  /** Q1 and Q2 ([T, B, 1] each, stack order) of per-group observations and actions. */
  private q(net: StackedMlp, obs: torch.Tensor[], action: torch.Tensor[]): [torch.Tensor, torch.Tensor] {
    const x = obs.map((o, g) => {
      const cat = torch.cat([o, action[g]!], -1);
      const s = cat.shape;
      return cat.unsqueeze(1).expand([s[0]!, 2, ...s.slice(1)]).reshape([2 * s[0]!, ...s.slice(1)]);
    });
    const out = net.forward(x) as torch.Tensor;
    const q = out.view([this.numTasks, 2, ...out.shape.slice(1)]);
    return [q.select(1, 0), q.select(1, 1)];
  }

  /** Samples a~ ~ pi(.|s) per group; log-probs joined into [T, B, 1] (stack order). */
  private sample(heads: GaussianHead[], eps: torch.Tensor[], B: number): { action: torch.Tensor[]; logProb: torch.Tensor } {
    const samples = heads.map((h, g) => {
      const group = this.groups[g]!;
      // Softplus's vector kernel and its scalar tail differ in the last bit: per task unless every
      // element lies in the vector body both here and in a task's own [B, A] tensor.
      const exact = group.count === 1 || (B * group.actDim) % 32 === 0;
      return sampleSquashed(h.mu, h.logStd, eps[g]!, exact ? F.softplus : (x) => torch.stack(x.unbind(0).map((xt) => F.softplus(xt)), 0));
    });
    const logProbs = samples.map((s) => s.logProb);
    return { action: samples.map((s) => s.action), logProb: logProbs.length === 1 ? logProbs[0]! : torch.cat(logProbs, 0) };
  }

  /**
   * The actor's head for one observation per task (`obs[t]`, its obsDim values): mu and std per task,
   * to sample with `squashedAction` (or tanh(mu) for evaluation).
   */
  head(obs: ArrayLike<number>[]): { mu: Float32Array; std: Float32Array }[] {
    if (obs.length !== this.numTasks) throw new Error(`BatchedSacAgent.head: ${this.numTasks} tasks but ${obs.length} observations`);
    obs.forEach((o, t) => {
      if (o.length !== this.obsDims[t]) throw new Error(`BatchedSacAgent.head: task ${t} expects ${this.obsDims[t]} observation values, got ${o.length}`);
    });
    const out: { mu: Float32Array; std: Float32Array }[] = new Array(this.numTasks);
    torch.tidy(() =>
      torch.inferenceMode(() => {
        const xs = obs.map((o, t) => torch.tensor(Float32Array.from(o), { shape: [1, this.obsDims[t]!] }));
        const heads = this.heads(this.perGroup(xs));
        heads.forEach((h, g) => {
          const grp = this.groups[g]!;
          const A = grp.actDim;
          const mu = h.mu.contiguous().toFloat32Array();
          const std = h.logStd.exp().toFloat32Array();
          for (let i = 0; i < grp.count; i++) out[this.taskAt[grp.start + i]!] = { mu: mu.slice(i * A, (i + 1) * A), std: std.slice(i * A, (i + 1) * A) };
        });
      }),
    );
    return out;
  }

  /**
   * One SAC update of every task (`SacAgent.update` on each, in one pass): `inputs[t]` is task t's
   * batch and noise. Returns each task's statistics.
   */
  update(inputs: [SacBatch, UpdateNoise][]): SacUpdateStats[] {
    if (inputs.length !== this.numTasks) throw new Error(`BatchedSacAgent.update: ${this.numTasks} tasks but ${inputs.length} batches`);
    const c = this.config;
    const T = this.numTasks;
    const B = inputs[0]![0].obs.size(0);
    inputs.forEach(([b], t) => {
      if (b.obs.size(0) !== B) throw new Error(`BatchedSacAgent.update: task ${t}'s batch has ${b.obs.size(0)} rows, task 0's ${B}`);
    });
    const pick = (f: (x: [SacBatch, UpdateNoise]) => torch.Tensor): torch.Tensor[] => inputs.map(f);
    const stats = torch.tidy((): SacUpdateStats[] => {
      const obs = this.perGroup(pick(([b]) => b.obs));
      const nextObs = this.perGroup(pick(([b]) => b.nextObs));
      const action = this.perGroup(pick(([b]) => b.action));
      const reward = this.stacked(pick(([b]) => b.reward));
      const notDone = this.stacked(pick(([b]) => b.notDone));
      const alpha = this.logAlpha.exp().detach().view([T, 1, 1]);
      // Critic.
      const target = torch.noGrad(() => {
        const next = this.sample(this.heads(nextObs), this.perGroup(pick(([, n]) => n.next)), B);
        const [tq1, tq2] = this.q(this.criticTarget, nextObs, next.action);
        const v = torch.minimum(tq1, tq2).sub(next.logProb.mul(alpha));
        return reward.add(notDone.mul(v).mul(c.discount));
      });
      const [q1, q2] = this.q(this.critic, obs, action);
      const criticLoss = F.mseLoss(q1, target, 'none').mean([1, 2]).add(F.mseLoss(q2, target, 'none').mean([1, 2]));
      this.criticOpt.zeroGrad();
      criticLoss.sum().backward();
      this.criticOpt.step();
      const critic = criticLoss.toFloat32Array();
      const alphas = alpha.toFloat32Array();
      const qs = q1.mean([1, 2]).toFloat32Array();
      const out: SacUpdateStats[] = this.taskAt.map((_, p) => ({ criticLoss: critic[p]!, alpha: alphas[p]!, q: qs[p]! }));

      if (this.updates % c.actorUpdateEvery === 0) {
        const criticParams = this.critic.parameters();
        for (const p of criticParams) p.requiresGrad_(false);
        const cur = this.sample(this.heads(obs), this.perGroup(pick(([, n]) => n.current)), B);
        const [aq1, aq2] = this.q(this.critic, obs, cur.action);
        const actorLoss = cur.logProb.mul(alpha).sub(torch.minimum(aq1, aq2)).mean([1, 2]);
        this.actorOpt.zeroGrad();
        actorLoss.sum().backward();
        this.actorOpt.step();
        for (const p of criticParams) p.requiresGrad_(true);
        const actor = actorLoss.toFloat32Array();
        const logProb = cur.logProb.detach();
        const entropy = logProb.mean([1, 2]).toFloat32Array();
        out.forEach((o, p) => Object.assign(o, { actorLoss: actor[p]!, entropy: -entropy[p]! }));
        if (c.learnTemperature) {
          const targetEntropy = torch.tensor(Float32Array.from(this.taskAt, (t) => this.targetEntropy[t]!), { shape: [T, 1, 1] });
          const alphaLoss = this.logAlpha.exp().view([T, 1, 1]).mul(logProb.neg().sub(targetEntropy)).mean([1, 2]);
          this.alphaOpt.zeroGrad();
          alphaLoss.sum().backward();
          this.alphaOpt.step();
          const al = alphaLoss.toFloat32Array();
          out.forEach((o, p) => (o.alphaLoss = al[p]!));
        }
      }
      if (this.updates % c.targetUpdateEvery === 0) {
        const online = this.critic.parameters();
        const tgt = this.criticTarget.parameters();
        torch.noGrad(() => online.forEach((p, i) => tgt[i]!.lerp_(p, c.tau)));
      }
      // Back to the caller's task order.
      return this.position.map((p) => out[p]!);
    });
    this.updates++;
    return stats;
  }

  dispose(): void {
    this.actorOpt.dispose();
    this.criticOpt.dispose();
    this.alphaOpt.dispose();
    for (const p of this.rows.keys()) p.dispose();
  }
}
