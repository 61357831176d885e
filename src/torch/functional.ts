/** torch.nn.functional in camelCase: activations, normalisation, losses, attention. */
import { native } from './native.ts';
import { Tensor, wrap, wrapAll, type Reduction } from './tensor.ts';
import { ones } from './creation.ts';
import { keep } from './scope.ts';
import { isGradEnabled, outsideInferenceMode } from './autograd.ts';
import type { Device, DType } from './dtype.ts';

export function linear(input: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  return wrap(native.linear(input.handle, weight.handle, bias?.handle));
}
export function softmax(input: Tensor, dim: number): Tensor {
  return input.softmax(dim);
}
export function logSoftmax(input: Tensor, dim: number): Tensor {
  return input.logSoftmax(dim);
}
export function layerNorm(input: Tensor, normalizedShape: number[], weight?: Tensor | null, bias?: Tensor | null, eps = 1e-5): Tensor {
  return wrap(native.layerNorm(input.handle, normalizedShape, weight?.handle, bias?.handle, eps));
}
/** GELU; approximate 'tanh' is GPT-2's "gelu_new". */
export function gelu(input: Tensor, approximate: 'none' | 'tanh' = 'none'): Tensor {
  return wrap(native.gelu(input.handle, approximate));
}
export function relu(input: Tensor): Tensor {
  return input.relu();
}
export function tanh(input: Tensor): Tensor {
  return input.tanh();
}
export function sigmoid(input: Tensor): Tensor {
  return input.sigmoid();
}
export function silu(input: Tensor): Tensor {
  return wrap(native.silu(input.handle));
}
export function mish(input: Tensor): Tensor {
  return wrap(native.mish(input.handle));
}
export function elu(input: Tensor, alpha = 1.0): Tensor {
  return wrap(native.elu(input.handle, alpha));
}
export function leakyRelu(input: Tensor, negativeSlope = 0.01): Tensor {
  return wrap(native.leakyRelu(input.handle, negativeSlope));
}
export function softplus(input: Tensor, beta = 1, threshold = 20): Tensor {
  return wrap(native.softplus(input.handle, beta, threshold));
}
export function logSigmoid(input: Tensor): Tensor {
  return wrap(native.logSigmoid(input.handle));
}
/** Zeroes elements with probability p and scales the rest by 1/(1-p) when training; identity otherwise. */
export function dropout(input: Tensor, p = 0.5, training = true): Tensor {
  if (p < 0 || p > 1) throw new RangeError(`dropout(): p must be in [0, 1], got ${p}`);
  return wrap(native.dropout(input.handle, p, training));
}
/** Rows of weight picked by the int64 tensor input (F.embedding(input, weight)). */
export function embedding(input: Tensor, weight: Tensor, paddingIdx?: number): Tensor {
  return wrap(native.embedding(weight.handle, input.handle, paddingIdx ?? -1));
}
export function oneHot(input: Tensor, numClasses = -1): Tensor {
  return wrap(native.oneHot(input.handle, numClasses));
}
/** Constant padding, pad = [lastDimLeft, lastDimRight, secondLastLeft, ...] as in F.pad. */
export function pad(input: Tensor, padding: number[], value = 0): Tensor {
  return wrap(native.pad(input.handle, padding, value));
}
export function normalize(input: Tensor, p = 2, dim = 1, eps = 1e-12): Tensor {
  const denom = input.norm(p, dim, true).clamp(eps);
  const out = input.div(denom);
  denom.dispose();
  return out;
}
export function cosineSimilarity(a: Tensor, b: Tensor, dim = 1, eps = 1e-8): Tensor {
  return wrap(native.cosineSimilarity(a.handle, b.handle, dim, eps));
}

// ---- losses ----

export interface CrossEntropyOptions {
  weight?: Tensor;
  reduction?: Reduction;
  /** Targets equal to this class index contribute nothing (default -100, as in PyTorch). */
  ignoreIndex?: number;
  labelSmoothing?: number;
}
/** Cross entropy of logits [N, C] (or [N, C, d...]) against int64 class targets [N] (or probabilities). */
export function crossEntropy(input: Tensor, target: Tensor, opts: CrossEntropyOptions = {}): Tensor {
  return wrap(
    native.crossEntropy(input.handle, target.handle, opts.weight?.handle, opts.reduction ?? 'mean', opts.ignoreIndex ?? -100, opts.labelSmoothing ?? 0),
  );
}
export function nllLoss(input: Tensor, target: Tensor, opts: Omit<CrossEntropyOptions, 'labelSmoothing'> = {}): Tensor {
  return wrap(native.nllLoss(input.handle, target.handle, opts.weight?.handle, opts.reduction ?? 'mean', opts.ignoreIndex ?? -100));
}
export function mseLoss(input: Tensor, target: Tensor, reduction: Reduction = 'mean'): Tensor {
  return wrap(native.mseLoss(input.handle, target.handle, reduction));
}
export function l1Loss(input: Tensor, target: Tensor, reduction: Reduction = 'mean'): Tensor {
  return wrap(native.l1Loss(input.handle, target.handle, reduction));
}
export function smoothL1Loss(input: Tensor, target: Tensor, reduction: Reduction = 'mean', beta = 1.0): Tensor {
  return wrap(native.smoothL1Loss(input.handle, target.handle, reduction, beta));
}
export function huberLoss(input: Tensor, target: Tensor, reduction: Reduction = 'mean', delta = 1.0): Tensor {
  return wrap(native.huberLoss(input.handle, target.handle, reduction, delta));
}
export function binaryCrossEntropyWithLogits(
  input: Tensor,
  target: Tensor,
  opts: { weight?: Tensor; posWeight?: Tensor; reduction?: Reduction } = {},
): Tensor {
  return wrap(native.bceWithLogits(input.handle, target.handle, opts.weight?.handle, opts.posWeight?.handle, opts.reduction ?? 'mean'));
}
export function binaryCrossEntropy(input: Tensor, target: Tensor, opts: { weight?: Tensor; reduction?: Reduction } = {}): Tensor {
  return wrap(native.bce(input.handle, target.handle, opts.weight?.handle, opts.reduction ?? 'mean'));
}

// ---- attention ----

export interface AttentionOptions {
  /** Query i may attend to keys j <= i + (kLen - qLen): with a key/value cache, q is the last qLen positions. */
  causal?: boolean;
  /** [batch, kLen] bool, true marks padding keys that no query may attend to (PyTorch's key_padding_mask). */
  keyPaddingMask?: Tensor;
  /** Bool mask broadcastable to the scores [..., qLen, kLen]; true = may not attend. */
  attnMask?: Tensor;
  /** Dropout on the attention weights (applied only when training). */
  dropout?: number;
  training?: boolean;
  /** Score scale; default 1/sqrt(headDim). */
  scale?: number;
  /**
   * Use the fused CPU kernel (`native/src/attention.cc`) where it applies: float32 on the CPU, no
   * `attnMask`. Default: `setFusedAttention`'s setting (on). false runs the unfused ops, the reference
   * the kernel is tested against.
   */
  fused?: boolean;
}

let fusedByDefault = true;
/** Turns the fused CPU attention kernel on or off for calls that do not say (benches compare both). */
export function setFusedAttention(on: boolean): void {
  fusedByDefault = on;
}

/** Whether calls that do not say use the fused CPU attention kernel (`setFusedAttention`). */
export function fusedAttentionByDefault(): boolean {
  return fusedByDefault;
}

/**
 * Inference through a stack of pre-LN GPT-2 blocks (x + attn(ln_1 x), then + mlp(ln_2 .), exact GELU,
 * causal fused attention, no dropout) in one native call (`native/src/blocks.cc`): the same ATen
 * calls in the same order as the blocks' modules make them, so the same bits, without one N-API
 * crossing per op. `params` holds 12 tensors per layer (ln_1 weight, bias; c_attn weight, bias;
 * attn.c_proj weight, bias; ln_2 weight, bias; c_fc weight, bias; mlp.c_proj weight, bias).
 * `caches` is empty or holds each layer's key and value buffers as an earlier call returned them
 * (keys transposed, [B, heads, headDim, capacity], so that attention reads them as they are; values
 * [B, heads, capacity, headDim]) with `cacheLen` tokens in them; this pass's keys and values are
 * written after those, in place when the buffers have room (new buffers get room for `reserve` more
 * tokens). Returns the blocks' output (before a final layer norm) and each layer's buffers, now
 * holding cacheLen + T tokens.
 * float32 on the CPU only (the fused attention kernel's domain), without autograd.
 */
export function preLnBlocks(
  h: Tensor,
  keyPaddingMask: Tensor,
  params: Tensor[],
  caches: { buffers: Tensor[]; cacheLen: number; reserve: number },
  numHeads: number,
  eps: number,
): { h: Tensor; buffers: Tensor[] } {
  if (h.device !== 'cpu' || h.dtype !== 'float32') throw new Error(`preLnBlocks(): float32 on the CPU only, got ${h.dtype} on ${h.device}`);
  if (keyPaddingMask.dtype !== 'bool') throw new Error(`preLnBlocks(): keyPaddingMask must be bool, got ${keyPaddingMask.dtype}`);
  // Its attention has no backward: under autograd the blocks' gradients would be silently wrong.
  if (isGradEnabled()) throw new Error('preLnBlocks(): inference only: call it under torch.noGrad or torch.inferenceMode');
  const { buffers, cacheLen, reserve } = caches;
  const out = wrapAll(native.preLnBlocks(h.handle, keyPaddingMask.handle, params.map((p) => p.handle), buffers.map((c) => c.handle), cacheLen, reserve, numHeads, eps));
  return { h: out[0]!, buffers: out.slice(1) };
}

const causalMasks = new Map<string, Tensor>();

/** Bool [qLen, kLen], true above the (offset) diagonal: the positions a causal query may not see. Cached. */
export function causalMask(qLen: number, kLen: number, device: Device = 'cpu'): Tensor {
  const key = `${qLen},${kLen},${device}`;
  let m = causalMasks.get(key);
  if (m === undefined || m.isDisposed) {
    // Built outside inference mode: a cached mask made there could never be used in training.
    m = outsideInferenceMode(() => {
      const all = ones([qLen, kLen], { dtype: 'bool', device });
      const upper = keep(all.triu(kLen - qLen + 1));
      all.dispose();
      return upper;
    });
    if (causalMasks.size > 256) {
      for (const old of causalMasks.values()) old.dispose();
      causalMasks.clear();
    }
    causalMasks.set(key, m);
  }
  return m;
}

/** The most negative finite value of a floating dtype (masked scores; keeps fully masked rows finite). */
export function lowestValue(dtype: DType): number {
  switch (dtype) {
    case 'float64':
      return -1.7976931348623157e308;
    case 'float16':
      return -65504;
    case 'bfloat16':
      return -3.3895313892515355e38;
    default:
      return -3.4028234663852886e38;
  }
}

/**
 * softmax(q k^T * scale + masks) v over the last two dims: q [..., qLen, d], k [..., kLen, d],
 * v [..., kLen, dv] (usually [batch, heads, len, headDim]). Masked scores are set to the dtype's
 * lowest value rather than -inf, so a fully masked row gives a finite average instead of NaN;
 * wherever a row has an unmasked key the result equals the -inf formulation exactly.
 */
export function scaledDotProductAttention(q: Tensor, k: Tensor, v: Tensor, opts: AttentionOptions = {}): Tensor {
  const qLen = q.size(-2);
  const kLen = k.size(-2);
  const scale = opts.scale ?? 1 / Math.sqrt(q.size(-1));
  if (opts.causal && qLen > kLen) throw new Error(`scaledDotProductAttention(): causal attention needs qLen <= kLen, got ${qLen} > ${kLen}`);
  const p = opts.training ? (opts.dropout ?? 0) : 0;
  const kpm = opts.keyPaddingMask;
  if (kpm && (kpm.ndim !== 2 || kpm.size(1) !== kLen || kpm.size(0) !== q.size(0))) {
    throw new Error(`scaledDotProductAttention(): keyPaddingMask must be [batch=${q.size(0)}, kLen=${kLen}], got [${kpm.shape.join(', ')}]`);
  }
  const fusable = q.ndim === 4 && k.ndim === 4 && v.ndim === 4 && !opts.attnMask && p < 1 &&
    q.device === 'cpu' && k.device === 'cpu' && v.device === 'cpu' && q.dtype === 'float32' && k.dtype === 'float32' && v.dtype === 'float32';
  if (fusable && (opts.fused ?? fusedByDefault)) {
    const mask = kpm && kpm.dtype !== 'bool' ? kpm.to('bool') : kpm;
    try {
      return wrap(native.fusedAttention(q.handle, k.handle, v.handle, mask?.handle ?? null, opts.causal ?? false, scale, p));
    } finally {
      if (mask !== kpm) mask?.dispose();
    }
  }
  const kt = k.transpose(-2, -1);
  const raw = q.matmul(kt);
  kt.dispose();
  let scores = raw.mul(scale);
  raw.dispose();
  const masks: Tensor[] = [];
  if (opts.causal) masks.push(causalMask(qLen, kLen, q.device));
  const temps: Tensor[] = [];
  if (kpm) {
    const view = kpm.dtype === 'bool' ? kpm : kpm.to('bool');
    if (view !== kpm) temps.push(view);
    const shaped = view.view([kpm.size(0), ...new Array<number>(q.ndim - 2).fill(1), kLen]);
    temps.push(shaped);
    masks.push(shaped);
  }
  if (opts.attnMask) masks.push(opts.attnMask);
  if (masks.length > 0) {
    let mask = masks[0]!;
    for (let i = 1; i < masks.length; i++) {
      mask = mask.logicalOr(masks[i]!);
      temps.push(mask);
    }
    const filled = scores.maskedFill(mask, lowestValue(scores.dtype));
    scores.dispose();
    scores = filled;
  }
  for (const t of temps) t.dispose();
  let weights = scores.softmax(-1);
  scores.dispose();
  if (p > 0) {
    const dropped = wrap(native.dropout(weights.handle, p, true));
    weights.dispose();
    weights = dropped;
  }
  const out = weights.matmul(v);
  weights.dispose();
  return out;
}

/** [B, T, C] -> [B, heads, T, C / heads] */
export function splitHeads(x: Tensor, numHeads: number): Tensor {
  const [b, t, c] = x.shape as [number, number, number];
  if (c % numHeads !== 0) throw new Error(`splitHeads(): ${c} channels do not divide into ${numHeads} heads`);
  const v = x.view([b, t, numHeads, c / numHeads]);
  const out = v.transpose(1, 2);
  v.dispose();
  return out;
}

/** [B, heads, T, D] -> [B, T, heads * D] */
export function mergeHeads(x: Tensor): Tensor {
  const [b, h, t, d] = x.shape as [number, number, number, number];
  const tr = x.transpose(1, 2);
  const c = tr.contiguous();
  tr.dispose();
  const out = c.view([b, t, h * d]);
  c.dispose();
  return out;
}

/**
 * Multi-head attention on projected inputs: q [B, qLen, C], k and v [B, kLen, C] are split into
 * numHeads heads, attended (causal and/or key-padding masked), and merged back to [B, qLen, C].
 */
export function multiHeadAttention(q: Tensor, k: Tensor, v: Tensor, opts: AttentionOptions & { numHeads: number }): Tensor {
  const qh = splitHeads(q, opts.numHeads);
  const kh = splitHeads(k, opts.numHeads);
  const vh = splitHeads(v, opts.numHeads);
  const y = scaledDotProductAttention(qh, kh, vh, opts);
  qh.dispose();
  kh.dispose();
  vh.dispose();
  const out = mergeHeads(y);
  y.dispose();
  return out;
}
