/**
 * SGD with momentum, dampening, Nesterov and weight decay, as PyTorch 1.13 computes it:
 *   g += wd * p;  buf = g (first step) or momentum * buf + (1 - dampening) * g;
 *   g = g + momentum * buf (Nesterov) or buf;  p -= lr * g
 */
import { Optimizer, owned, type ParamsArg } from './optimizer.ts';
import type { Tensor } from '../tensor.ts';

export interface SGDOptions {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
}

export class SGD extends Optimizer<SGDOptions> {
  constructor(params: ParamsArg<SGDOptions>, opts: Partial<SGDOptions> & { lr: number }) {
    super(params, { momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, ...opts });
    for (const g of this.paramGroups) {
      const o = g.options;
      if (!(o.lr >= 0)) throw new RangeError(`SGD: invalid learning rate ${o.lr}`);
      if (o.nesterov && (o.momentum <= 0 || o.dampening !== 0)) throw new Error('SGD: Nesterov momentum requires momentum > 0 and zero dampening');
    }
  }
  get name(): string {
    return 'SGD';
  }
  protected update(p: Tensor, grad: Tensor, o: SGDOptions, st: { tensors: Record<string, Tensor>; scalars: Record<string, number> }): void {
    let d = o.weightDecay !== 0 ? grad.add(p, o.weightDecay) : grad;
    if (o.momentum !== 0) {
      let buf = st.tensors.momentum_buffer;
      if (buf === undefined) {
        buf = owned(d.clone().detach());
        st.tensors.momentum_buffer = buf;
      } else {
        buf.mul_(o.momentum).add_(d, 1 - o.dampening);
      }
      d = o.nesterov ? d.add(buf, o.momentum) : buf;
    }
    p.add_(d, -o.lr);
  }
}
