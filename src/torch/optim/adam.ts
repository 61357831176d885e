/**
 * Adam and AdamW, reproducing PyTorch 1.13's single-tensor implementations operation by operation
 * (so results match to the last bit on the same hardware):
 *   Adam:  g += wd * p;  m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2;
 *          p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
 *   AdamW: p *= 1 - lr * wd (decoupled decay), then the same moment update without the g += wd p.
 */
import { Optimizer, owned, type ParamsArg } from './optimizer.ts';
import { zerosLike } from '../creation.ts';
import type { Tensor } from '../tensor.ts';

export interface AdamOptions {
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
}

type State = { tensors: Record<string, Tensor>; scalars: Record<string, number> };

function adamMoments(p: Tensor, grad: Tensor, o: AdamOptions, st: State): void {
  const [beta1, beta2] = o.betas;
  if (st.tensors.exp_avg === undefined) {
    st.tensors.exp_avg = owned(zerosLike(p));
    st.tensors.exp_avg_sq = owned(zerosLike(p));
    st.scalars.step = 0;
  }
  const expAvg = st.tensors.exp_avg;
  const expAvgSq = st.tensors.exp_avg_sq!;
  const step = (st.scalars.step ?? 0) + 1;
  st.scalars.step = step;
  expAvg.mul_(beta1).add_(grad, 1 - beta1);
  expAvgSq.mul_(beta2).addcmul_(grad, grad, 1 - beta2);
  const biasCorrection1 = 1 - beta1 ** step;
  const biasCorrection2 = 1 - beta2 ** step;
  const stepSize = o.lr / biasCorrection1;
  const denom = expAvgSq.sqrt().div_(Math.sqrt(biasCorrection2)).add_(o.eps);
  p.addcdiv_(expAvg, denom, -stepSize);
}

function checkOptions(name: string, o: AdamOptions): void {
  if (!(o.lr >= 0)) throw new RangeError(`${name}: invalid learning rate ${o.lr}`);
  if (!(o.eps >= 0)) throw new RangeError(`${name}: invalid eps ${o.eps}`);
  if (!(o.betas[0] >= 0 && o.betas[0] < 1 && o.betas[1] >= 0 && o.betas[1] < 1)) throw new RangeError(`${name}: invalid betas ${o.betas}`);
  if (!(o.weightDecay >= 0)) throw new RangeError(`${name}: invalid weight decay ${o.weightDecay}`);
}

export class Adam extends Optimizer<AdamOptions> {
  constructor(params: ParamsArg<AdamOptions>, opts: Partial<AdamOptions> = {}) {
    super(params, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, ...opts });
    for (const g of this.paramGroups) checkOptions('Adam', g.options);
  }
  get name(): string {
    return 'Adam';
  }
  protected update(p: Tensor, grad: Tensor, o: AdamOptions, st: State): void {
    const g = o.weightDecay !== 0 ? grad.add(p, o.weightDecay) : grad;
    adamMoments(p, g, o, st);
  }
}

export class AdamW extends Optimizer<AdamOptions> {
  constructor(params: ParamsArg<AdamOptions>, opts: Partial<AdamOptions> = {}) {
    super(params, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 1e-2, ...opts });
    for (const g of this.paramGroups) checkOptions('AdamW', g.options);
  }
  get name(): string {
    return 'AdamW';
  }
  protected update(p: Tensor, grad: Tensor, o: AdamOptions, st: State): void {
    if (o.weightDecay !== 0) p.mul_(1 - o.lr * o.weightDecay);
    adamMoments(p, grad, o, st);
  }
}
