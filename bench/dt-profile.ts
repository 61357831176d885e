/**
 * Where a Decision Transformer's training update and acting step spend their time, by kind of work
 * (torch.profiler), beside the ideal time of each kind from its FLOPs or bytes at this machine's
 * measured single-thread ceilings (sgemm through libtorch, elementwise bandwidth).
 *
 *   L2M_THREADS=1 L2M_BLAS_THREADS=1 npx tsx bench/dt-profile.ts [--size small|paper] [--batch N]
 *       [--envs 16] [--act-dim 4] [--rounds 4] [--clock wall|thread-cpu] [--dropout p] [--python] [--json out.json]
 *
 * Rounds alternate an unprofiled and a profiled update (and acting step) in one process; times are per
 * CPU second of this thread (wall-clock rows are scaled by the profile's CPU / wall ratio), so they hold
 * on a busy machine. --python profiles the same update in PyTorch (bench/dt_profile.py, with the same dropout) and
 * classifies its events the same way.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as torch from '../src/torch/index.ts';
import type { ProfileReport, ProfilerClock } from '../src/torch/profiler.ts';
import { DecisionTransformer, PAPER_CONFIG, type DTConfig, type DTInputs } from '../src/model/decision-transformer.ts';
import { decodeActionTokens } from '../src/model/decode.ts';
import { adamwGroups } from '../src/train/optimizer.ts';
import { blasCoreLine } from './blas-core.ts';
import { classify, KINDS, type Kind } from './profile-kinds.ts';

const { values: args } = parseArgs({
  options: {
    size: { type: 'string', default: 'small' },
    batch: { type: 'string' },
    envs: { type: 'string', default: '16' },
    'act-dim': { type: 'string', default: '4' },
    rounds: { type: 'string', default: '4' },
    clock: { type: 'string', default: 'wall' },
    python: { type: 'boolean', default: false },
    json: { type: 'string' },
    dropout: { type: 'string' },
  },
});
const paper = args.size === 'paper';
const base: DTConfig = paper ? PAPER_CONFIG : { ...PAPER_CONFIG, nLayer: 3, nHead: 4, dModel: 128, dInner: 512 };
const cfg: DTConfig = args.dropout === undefined ? base : { ...base, dropout: Number(args.dropout) };
const B = Number(args.batch ?? (paper ? 16 : 64));
const E = Number(args.envs);
const actDim = Number(args['act-dim']);
const rounds = Number(args.rounds);
const clock = args.clock as ProfilerClock;
const K = cfg.contextLength;
const A = cfg.maxActDim;
const T = A + 3;
const { nLayer: L, dModel: d, dInner: f, nHead: H } = cfg;

const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

// ---- ceilings: single-thread sgemm and elementwise bandwidth, per CPU second ----

function perCpuSecond(fn: () => void, minMs = 300): number {
  fn();
  let n = 0;
  const c0 = cpuMs();
  while (cpuMs() - c0 < minMs) {
    fn();
    n++;
  }
  return (cpuMs() - c0) / n;
}

function sgemmGflops(m: number, k: number, n: number): number {
  const a = torch.keep(torch.randn([m, k]));
  const b = torch.keep(torch.randn([k, n]));
  const ms = perCpuSecond(() => torch.tidy(() => void a.mm(b)));
  a.dispose();
  b.dispose();
  return (2 * m * k * n) / ms / 1e6;
}

/** GB/s of a += b over `elems` floats (12 bytes an element; in place, so no allocation is timed). */
function addBandwidth(elems: number): number {
  const a = torch.keep(torch.randn([elems]));
  const b = torch.keep(torch.randn([elems]));
  const ms = perCpuSecond(() => void a.add_(b));
  a.dispose();
  b.dispose();
  return (12 * elems) / ms / 1e6;
}

const ceil = {
  sgemm: Math.max(sgemmGflops(1024, 1024, 1024), sgemmGflops(B * K * T, d, f)),
  l2: addBandwidth(128 * 1024), // 1.5 MB of operands: in a core's L2
  l3: addBandwidth(1024 * 1024), // 12 MB: in L3
  dram: addBandwidth(16 * 1024 * 1024), // 192 MB
};
/** Bandwidth for an op whose operands total `bytes`. */
const bw = (bytes: number): number => (bytes <= 2e6 ? ceil.l2 : bytes <= 24e6 ? ceil.l3 : ceil.dram);

// ---- the ideal of each kind: FLOPs at the sgemm ceiling, bytes at the bandwidth of their size ----

interface Ideal {
  basis: string;
  ms: number;
}
const flopsMs = (flops: number): number => flops / ceil.sgemm / 1e6;
const bytesMs = (bytes: number, opBytes: number): number => bytes / bw(opBytes) / 1e6;
const F4 = 4;

function trainIdeals(params: number): Partial<Record<Kind, Ideal>> {
  const N = B * K * T; // tokens
  const M = B * K * A; // predicted action dimensions
  const linear = 3 * (L * 24 * N * d * d + 2 * B * K * cfg.stateDim * d + 2 * M * d * cfg.actionBins);
  const attn = 3 * L * 4 * B * (K * T) ** 2 * d;
  const scores = B * H * (K * T) ** 2;
  return {
    'matmul (linear layers)': { basis: `${(linear / 1e9).toFixed(2)} GFLOP`, ms: flopsMs(linear) },
    'attention: matmuls': { basis: `${(attn / 1e9).toFixed(3)} GFLOP`, ms: flopsMs(attn) },
    'attention: scale, mask, softmax, merge': {
      basis: `0 fused (unfused: ${((L * 16 * scores * F4) / 1e6).toFixed(0)} MB)`,
      ms: 0,
    },
    'layer norm': { basis: `${(((2 * L + 2) * 5 * N * d * F4) / 1e6).toFixed(0)} MB`, ms: bytesMs((2 * L + 2) * 5 * N * d * F4, 2 * N * d * F4) },
    GELU: { basis: `${((L * 5 * N * f * F4) / 1e6).toFixed(0)} MB`, ms: bytesMs(L * 5 * N * f * F4, 2 * N * f * F4) },
    'softmax/cross-entropy': { basis: `${((5 * M * cfg.actionBins * F4) / 1e6).toFixed(1)} MB`, ms: bytesMs(5 * M * cfg.actionBins * F4, 2 * M * cfg.actionBins * F4) },
    'embedding backward': {
      basis: `${(((cfg.maxEpisodeLength + cfg.actionBins + 1) * d * F4 + (B * K + M) * d * 2 * F4) / 1e6).toFixed(1)} MB`,
      ms: bytesMs((cfg.maxEpisodeLength + cfg.actionBins + 1) * d * F4 + (B * K + M) * d * 2 * F4, cfg.maxEpisodeLength * d * F4),
    },
    'optimiser: AdamW': { basis: `${((28 * params) / 1e6).toFixed(0)} MB (fused: read p, g, m, v; write p, m, v)`, ms: bytesMs(28 * params, 28 * params) },
    'optimiser: gradient clipping': { basis: `${((12 * params) / 1e6).toFixed(0)} MB (norm: read g; scale: read, write g)`, ms: bytesMs(12 * params, 12 * params) },
  };
}

function actIdeals(): Partial<Record<Kind, Ideal>> {
  const N1 = E * ((K - 1) * T + 2); // first pass: every token up to R_t
  const steps = actDim - 1; // one-token passes
  const linear = L * 24 * (N1 + E * steps) * d * d + 2 * E * K * cfg.stateDim * d + 2 * E * actDim * d * cfg.actionBins;
  let attn = 0;
  for (let i = 0; i <= steps; i++) {
    const q = i === 0 ? N1 / E : 1;
    const k = N1 / E + i;
    attn += L * 4 * E * q * k * d;
  }
  return {
    'matmul (linear layers)': { basis: `${(linear / 1e9).toFixed(3)} GFLOP`, ms: flopsMs(linear) },
    'attention: matmuls': { basis: `${(attn / 1e9).toFixed(4)} GFLOP`, ms: flopsMs(attn) },
  };
}

// ---- one training update and one acting step, each split into phases ----

torch.manualSeed(0);
const model = new DecisionTransformer(cfg);
const opt = new torch.optim.AdamW(adamwGroups(model, 0.01), { lr: 1e-4 });
const params = model.parameterSummary().total;
const window = (n: number): DTInputs => ({
  states: torch.keep(torch.randn([n, K, cfg.stateDim])),
  actionTokens: torch.keep(torch.randint(0, cfg.actionBins, [n, K, A], { dtype: 'int64' })),
  returnsToGo: torch.keep(torch.randn([n, K])),
  rewards: torch.keep(torch.randn([n, K])),
  timesteps: torch.keep(torch.randint(0, cfg.maxEpisodeLength - K, [n, K], { dtype: 'int64' })),
  attentionMask: torch.keep(torch.ones([n, K], { dtype: 'bool' })),
});
const x = window(B);
const mask = torch.keep(torch.ones([B, K, A], { dtype: 'int64' }));
const phases = {
  'forward+backward': () => torch.tidy(() => model.loss(x, mask).backward()),
  clip: () => void torch.clipGradNorm_(model.parameters(), 0.25),
  'AdamW step': () => {
    opt.step();
    model.zeroGrad();
  },
};
const actor = new DecisionTransformer(cfg);
actor.eval();
const xa = window(E);
const act = { decode: () => void decodeActionTokens(actor, xa, actDim) };

type Phases = Record<string, () => void>;
const run = (ps: Phases): void => {
  for (const fn of Object.values(ps)) fn();
};

interface Measured {
  /** CPU ms of one unprofiled run, each round. */
  plain: number[];
  /** CPU ms of one profiled run, each round. */
  profiled: number[];
  /** Per phase: the profiles of every round. */
  reports: Record<string, ProfileReport[]>;
}

function measure(ps: Phases): Measured {
  for (let i = 0; i < 2; i++) run(ps);
  const m: Measured = { plain: [], profiled: [], reports: Object.fromEntries(Object.keys(ps).map((k) => [k, []])) };
  for (let r = 0; r < rounds; r++) {
    let c = cpuMs();
    run(ps);
    m.plain.push(cpuMs() - c);
    c = cpuMs();
    for (const [name, fn] of Object.entries(ps)) m.reports[name]!.push(torch.profiler.profile(fn, { clock }).report);
    m.profiled.push(cpuMs() - c);
  }
  return m;
}

// ---- classification: mean CPU ms per run by kind ----

type Row = { ms: number; calls: number };

function byKind(m: Measured): Map<Kind, Row> {
  const rows = new Map<Kind, Row>();
  const add = (k: Kind, ms: number, calls: number): void => {
    const r = rows.get(k) ?? { ms: 0, calls: 0 };
    r.ms += ms / rounds;
    r.calls += calls / rounds;
    rows.set(k, r);
  };
  for (const [phase, reports] of Object.entries(m.reports)) {
    for (const rep of reports) {
      const scale = rep.threadCpuMs / rep.totalMs; // wall -> CPU (1 with the thread-cpu clock)
      for (const o of rep.ops) add(classify(phase, o.context, o.name), o.selfMs * scale, o.calls);
      for (const c of rep.calls) {
        const outside = (c.ms - c.libtorchMs) * scale;
        add(c.name === 'backward' ? 'autograd engine' : 'binding (N-API calls, arguments, handles)', outside, c.name === 'backward' ? 0 : c.calls);
      }
      add('JavaScript (model code, scopes, GC)', (rep.totalMs - rep.nativeMs) * scale, 0);
    }
  }
  return rows;
}

function pythonRows(): { rows: Map<Kind, Row>; totalMs: number } | undefined {
  if (!args.python) return undefined;
  const python = torch.testing.findTorchPython();
  const script = path.join(path.dirname(fileURLToPath(import.meta.url)), 'dt_profile.py');
  const r = spawnSync(python, [script, JSON.stringify(cfg), String(B), String(rounds), String(torch.getNumThreads())], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`PyTorch profile failed: ${r.stderr}`);
  const out = JSON.parse(r.stdout) as { rounds: number; phases: Record<string, { cpuMs: number; ops: Array<{ context: string; name: string; selfMs: number; calls: number }> }> };
  const rows = new Map<Kind, Row>();
  let totalMs = 0;
  for (const [phase, p] of Object.entries(out.phases)) {
    totalMs += p.cpuMs / out.rounds;
    let inOps = 0;
    for (const o of p.ops) {
      const k = classify(phase, o.context, o.name);
      const row = rows.get(k) ?? { ms: 0, calls: 0 };
      row.ms += o.selfMs / out.rounds;
      row.calls += o.calls / out.rounds;
      rows.set(k, row);
      inOps += o.selfMs / out.rounds;
    }
    const py = rows.get('JavaScript (model code, scopes, GC)') ?? { ms: 0, calls: 0 };
    py.ms += p.cpuMs / out.rounds - inOps; // Python's own time: the counterpart of our JS and binding
    rows.set('JavaScript (model code, scopes, GC)', py);
  }
  return { rows, totalMs };
}

const median = (v: number[]): number => [...v].sort((a, b) => a - b)[v.length >> 1]!;

function table(title: string, m: Measured, ideals: Partial<Record<Kind, Ideal>>, py?: { rows: Map<Kind, Row>; totalMs: number }): object {
  const rows = byKind(m);
  const total = [...rows.values()].reduce((s, r) => s + r.ms, 0);
  const idealTotal = Object.values(ideals).reduce((s, i) => s + (i?.ms ?? 0), 0);
  console.log(`\n${title}: ${median(m.plain).toFixed(1)} CPU ms unprofiled (median of ${rounds}; rounds ${m.plain.map((v) => v.toFixed(0)).join(', ')}), ` +
    `${median(m.profiled).toFixed(1)} profiled; profile sums to ${total.toFixed(1)} ms; ideal ${idealTotal.toFixed(1)} ms`);
  const head = ['kind', 'CPU ms', 'share', 'calls', 'ideal basis', 'ideal ms', ...(py ? ['PyTorch ms'] : [])];
  console.log('| ' + head.join(' | ') + ' |');
  console.log('|' + head.map(() => '---').join('|') + '|');
  const out: Record<string, unknown>[] = [];
  for (const k of KINDS) {
    const r = rows.get(k);
    const id = ideals[k];
    const p = py?.rows.get(k);
    if (!r && !id && !p) continue;
    const cells = [k, (r?.ms ?? 0).toFixed(1), `${(((r?.ms ?? 0) / total) * 100).toFixed(1)}%`, (r?.calls ?? 0).toFixed(0), id?.basis ?? '—', id ? id.ms.toFixed(1) : '—', ...(py ? [(p?.ms ?? 0).toFixed(1)] : [])];
    console.log('| ' + cells.join(' | ') + ' |');
    out.push({ kind: k, ms: r?.ms ?? 0, calls: r?.calls ?? 0, ideal: id, pytorchMs: p?.ms });
  }
  if (py) console.log(`PyTorch: ${py.totalMs.toFixed(1)} CPU ms per update (profiled)`);
  const reps = Object.values(m.reports).flat();
  const alloc = reps.reduce((s, r) => ({ count: s.count + r.allocation.count, bytes: s.bytes + r.allocation.bytes }), { count: 0, bytes: 0 });
  console.log(`allocations per run: ${(alloc.count / rounds).toFixed(0)} (${(alloc.bytes / rounds / 1e6).toFixed(0)} MB); ` +
    `CPU / wall of the profiles ${(reps.reduce((s, r) => s + r.threadCpuMs, 0) / reps.reduce((s, r) => s + r.totalMs, 0)).toFixed(2)}; events on other threads ${reps.reduce((s, r) => s + r.eventsElsewhere, 0)}`);
  return { title, plainCpuMs: m.plain, profiledCpuMs: m.profiled, profileMs: total, idealMs: idealTotal, rows: out, pytorchCpuMs: py?.totalMs };
}

console.log(`Decision Transformer (${args.size}: ${L} layers, width ${d}, ${(params / 1e6).toFixed(2)}M params), dropout ${cfg.dropout}, batch ${B} x ${K} steps; acting: ${E} envs, ${actDim} action dims; ` +
  `intra-op threads ${torch.getNumThreads()}, BLAS threads ${torch.getBlasThreads()}, clock ${clock}`);
console.log(blasCoreLine());
console.log(`ceilings per CPU second, one thread: sgemm ${ceil.sgemm.toFixed(0)} GFLOP/s; a + b ${ceil.l2.toFixed(0)} GB/s (L2), ${ceil.l3.toFixed(0)} (L3), ${ceil.dram.toFixed(0)} (DRAM)`);
const result = {
  config: { size: args.size, B, E, actDim, rounds, clock, blas: blasCoreLine(), threads: [torch.getNumThreads(), torch.getBlasThreads()] },
  ceilings: ceil,
  train: table('training update', measure(phases), trainIdeals(params), pythonRows()),
  act: table('acting step (KV-cached decode)', measure(act), actIdeals()),
};
if (args.json) fs.writeFileSync(args.json, JSON.stringify(result, null, 1));
