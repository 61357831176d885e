/** Weight initialisation in place (torch.nn.init), drawing from the generator seeded by manualSeed. */
import { noGrad } from '../autograd.ts';
import type { Tensor } from '../tensor.ts';

export function uniform_(t: Tensor, low = 0, high = 1): Tensor {
  return noGrad(() => t.uniform_(low, high));
}
export function normal_(t: Tensor, mean = 0, std = 1): Tensor {
  return noGrad(() => t.normal_(mean, std));
}
export function zeros_(t: Tensor): Tensor {
  return noGrad(() => t.zero_());
}
export function ones_(t: Tensor): Tensor {
  return noGrad(() => t.fill_(1));
}
export function constant_(t: Tensor, value: number): Tensor {
  return noGrad(() => t.fill_(value));
}
/** fan_in and fan_out of a weight [out, in, ...] as PyTorch computes them. */
export function fans(t: Tensor): { fanIn: number; fanOut: number } {
  const s = t.shape;
  if (s.length < 2) throw new Error(`fans(): need a tensor with at least 2 dimensions, got [${s.join(', ')}]`);
  const receptive = s.slice(2).reduce((a, b) => a * b, 1);
  return { fanIn: s[1]! * receptive, fanOut: s[0]! * receptive };
}
/** nn.init.xavier_uniform_ */
export function xavierUniform_(t: Tensor, gain = 1): Tensor {
  const { fanIn, fanOut } = fans(t);
  const bound = gain * Math.sqrt(6 / (fanIn + fanOut));
  return uniform_(t, -bound, bound);
}
/** nn.init.kaiming_uniform_ with leaky-relu slope a (fan_in mode). */
export function kaimingUniform_(t: Tensor, a = 0): Tensor {
  const { fanIn } = fans(t);
  const gain = Math.sqrt(2 / (1 + a * a));
  const bound = Math.sqrt(3) * (gain / Math.sqrt(fanIn));
  return uniform_(t, -bound, bound);
}
/** nn.init.orthogonal_ is not provided; use normal_ or xavier. */
