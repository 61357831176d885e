/**
 * Attention forward + backward on the CPU: the fused kernel (native/src/attention.cc) against the
 * unfused libtorch ops it replaces (bmm, scale, masks, softmax), same inputs, in alternating rounds in
 * one process; prints CPU ms per call of each side's median round and the ratio. Defaults are the small
 * MT40 base's attention (batch 128, 4 heads, 45 tokens, head width 32, causal, key padding).
 *
 *   npx tsx bench/attention.ts [--batch 128] [--heads 4] [--tokens 45] [--width 32] [--dropout 0] [--rounds 5] [--calls 10]
 */
import { parseArgs } from 'node:util';
import * as torch from '../src/torch/index.ts';
import { printBlasCore } from './blas-core.ts';

const { values } = parseArgs({ options: { batch: { type: 'string', default: '128' }, heads: { type: 'string', default: '4' }, tokens: { type: 'string', default: '45' }, width: { type: 'string', default: '32' }, dropout: { type: 'string', default: '0' }, rounds: { type: 'string', default: '5' }, calls: { type: 'string', default: '10' } } });
const [B, H, T, D] = [values.batch, values.heads, values.tokens, values.width].map(Number) as [number, number, number, number];
const p = Number(values.dropout);
const rounds = Number(values.rounds);
const calls = Number(values.calls);
const { F } = torch;
printBlasCore();
torch.manualSeed(1);
const q = torch.randn([B, T, H * D]).requiresGrad_(true);
const k = torch.randn([B, T, H * D]).requiresGrad_(true);
const v = torch.randn([B, T, H * D]).requiresGrad_(true);
const padMask = new Uint8Array(B * T);
for (let b = 0; b < B; b++) for (let j = 0; j < T; j++) padMask[b * T + j] = j < (b % 5) * 9 ? 1 : 0; // windows padded at the start, as early in an episode
const pad = torch.tensor(padMask, { shape: [B, T], dtype: 'bool' });
const cpuMs = (): number => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const times: Record<'unfused' | 'fused', number[]> = { unfused: [], fused: [] };
const call = (fused: boolean): void => torch.tidy(() => {
  const y = F.scaledDotProductAttention(F.splitHeads(q, H), F.splitHeads(k, H), F.splitHeads(v, H), { causal: true, keyPaddingMask: pad, dropout: p, training: true, fused });
  y.sum().backward();
});
call(false);
call(true);
for (let r = 0; r < rounds; r++) {
  for (const side of ['unfused', 'fused'] as const) {
    const t0 = cpuMs();
    for (let i = 0; i < calls; i++) call(side === 'fused');
    times[side].push((cpuMs() - t0) / calls);
  }
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const u = median(times.unfused), f = median(times.fused);
console.log(`attention forward + backward, B ${B}, ${H} heads, ${T} tokens, width ${D}, dropout ${p}: unfused ${u.toFixed(2)} CPU ms, fused ${f.toFixed(2)} CPU ms per call (median of ${rounds} rounds); ratio unfused / fused ${(u / f).toFixed(2)}`);
