/** The basic layers: Linear, Embedding, LayerNorm, Dropout, activations, Sequential. */
import { Module } from './module.ts';
import { Parameter } from './parameter.ts';
import * as init from './init.ts';
import * as F from '../functional.ts';
import { empty, ones, zeros } from '../creation.ts';
import { wrap, type Tensor } from '../tensor.ts';
import { native } from '../native.ts';
import type { Device, DType } from '../dtype.ts';
import { noGrad } from '../autograd.ts';

export interface LayerOptions {
  device?: Device;
  dtype?: DType;
}

function param(shape: number[], opts: LayerOptions, fill: (t: Tensor) => void): Parameter {
  const t = empty(shape, { dtype: opts.dtype ?? 'float32', device: opts.device });
  fill(t);
  const p = new Parameter(t);
  t.dispose();
  return p;
}

/**
 * y = x W^T + b with W [out, in]; PyTorch's initialisation (uniform +-1/sqrt(in), weight then bias).
 * `adopt` takes another Linear's Parameters instead of making new ones (the same tensors, so a wrapper
 * subclass keeps the wrapped layer's names and values: `c_attn.weight` stays `c_attn.weight`).
 */
export class Linear extends Module {
  weight: Parameter;
  bias: Parameter | null;
  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    opts: LayerOptions & { bias?: boolean; adopt?: Linear } = {},
  ) {
    super();
    if (opts.adopt) {
      const [o, i] = opts.adopt.weight.shape as [number, number];
      if (o !== outFeatures || i !== inFeatures) throw new Error(`Linear: cannot adopt a [${o}, ${i}] weight as [${outFeatures}, ${inFeatures}]`);
      this.weight = opts.adopt.weight;
      this.bias = opts.adopt.bias;
      return;
    }
    this.weight = param([outFeatures, inFeatures], opts, (t) => init.kaimingUniform_(t, Math.sqrt(5)));
    const bound = inFeatures > 0 ? 1 / Math.sqrt(inFeatures) : 0;
    this.bias = opts.bias === false ? null : param([outFeatures], opts, (t) => init.uniform_(t, -bound, bound));
  }
  forward(x: Tensor): Tensor {
    return F.linear(x, this.weight, this.bias);
  }
}

/** A lookup table [num, dim] initialised N(0, 1); the paddingIdx row starts at zero. */
export class Embedding extends Module {
  weight: Parameter;
  constructor(
    readonly numEmbeddings: number,
    readonly embeddingDim: number,
    opts: LayerOptions & { paddingIdx?: number } = {},
  ) {
    super();
    this.paddingIdx = opts.paddingIdx;
    this.weight = param([numEmbeddings, embeddingDim], opts, (t) => init.normal_(t));
    if (opts.paddingIdx !== undefined) {
      const row = this.weight.select(0, opts.paddingIdx);
      noGrad(() => row.zero_());
      row.dispose();
    }
  }
  readonly paddingIdx: number | undefined;
  forward(indices: Tensor): Tensor {
    return F.embedding(indices, this.weight, this.paddingIdx);
  }
}

/**
 * Layer normalisation over the trailing dims, weight 1 and bias 0 at start. `adopt` takes another
 * LayerNorm's Parameters instead of making new ones, as Linear's does.
 */
export class LayerNorm extends Module {
  weight: Parameter | null;
  bias: Parameter | null;
  readonly normalizedShape: number[];
  constructor(
    normalizedShape: number | number[],
    readonly eps = 1e-5,
    opts: LayerOptions & { elementwiseAffine?: boolean; bias?: boolean; adopt?: LayerNorm } = {},
  ) {
    super();
    this.normalizedShape = typeof normalizedShape === 'number' ? [normalizedShape] : normalizedShape;
    if (opts.adopt) {
      const s = opts.adopt.normalizedShape;
      if (s.length !== this.normalizedShape.length || s.some((d, i) => d !== this.normalizedShape[i])) throw new Error(`LayerNorm: cannot adopt a [${s.join(', ')}] layer as [${this.normalizedShape.join(', ')}]`);
      this.weight = opts.adopt.weight;
      this.bias = opts.adopt.bias;
      return;
    }
    const affine = opts.elementwiseAffine ?? true;
    const w = affine ? ones(this.normalizedShape, { dtype: opts.dtype, device: opts.device }) : null;
    this.weight = w ? new Parameter(w) : null;
    w?.dispose();
    const b = affine && opts.bias !== false ? zeros(this.normalizedShape, { dtype: opts.dtype, device: opts.device }) : null;
    this.bias = b ? new Parameter(b) : null;
    b?.dispose();
  }
  forward(x: Tensor): Tensor {
    return F.layerNorm(x, this.normalizedShape, this.weight, this.bias, this.eps);
  }
}

/** Dropout with probability p while training; identity in eval mode. */
export class Dropout extends Module {
  constructor(readonly p = 0.5) {
    super();
  }
  forward(x: Tensor): Tensor {
    return F.dropout(x, this.p, this.training);
  }
}

export class ReLU extends Module {
  forward(x: Tensor): Tensor {
    return x.relu();
  }
}
export class Tanh extends Module {
  forward(x: Tensor): Tensor {
    return x.tanh();
  }
}
export class GELU extends Module {
  constructor(readonly approximate: 'none' | 'tanh' = 'none') {
    super();
  }
  forward(x: Tensor): Tensor {
    return F.gelu(x, this.approximate);
  }
}
export class SiLU extends Module {
  forward(x: Tensor): Tensor {
    return F.silu(x);
  }
}
export class Identity extends Module {
  forward(x: Tensor): Tensor {
    return wrap(native.alias(x.handle));
  }
}

/** Any module with a single-tensor forward. */
export interface TensorModule extends Module {
  forward(x: Tensor): Tensor;
}

/** Runs its layers in order; they are named '0', '1', ... as in PyTorch. */
export class Sequential extends Module {
  readonly layers: TensorModule[];
  constructor(...layers: TensorModule[]) {
    super();
    this.layers = layers;
  }
  override *namedChildren(): Generator<[string, Module]> {
    for (let i = 0; i < this.layers.length; i++) yield [String(i), this.layers[i]!];
  }
  forward(x: Tensor): Tensor {
    let h = x;
    for (const layer of this.layers) {
      const next = layer.forward(h);
      if (h !== x) h.dispose();
      h = next;
    }
    return h;
  }
}
