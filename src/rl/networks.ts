/**
 * SAC's networks, as in pytorch_sac (Yarats & Kostrikov): MLPs with ReLU, orthogonal weights and zero
 * biases; twin Q critics Q1, Q2 over [obs, action]; a diagonal Gaussian actor whose log-std is
 * squashed by tanh into [logStdMin, logStdMax].
 */
import * as torch from '../torch/index.ts';
const { nn } = torch;

/**
 * Fills a 2-d weight with a (semi-)orthogonal matrix, as torch.nn.init.orthogonal_: QR of a standard
 * normal matrix (drawn from torch's generator), Q's columns signed so R has a positive diagonal.
 */
export function orthogonal_(w: torch.Tensor, gain = 1): void {
  if (w.ndim !== 2) throw new Error(`orthogonal_: expected a 2-d weight, got shape [${w.shape.join(', ')}]`);
  const [rows, cols] = w.shape as [number, number];
  const a = torch.tidy(() => torch.randn([rows, cols]).toFloat64Array());
  // Work on the tall orientation m x n (m >= n), column-major columns.
  const tall = rows >= cols;
  const m = tall ? rows : cols;
  const n = tall ? cols : rows;
  const q: Float64Array[] = [];
  for (let j = 0; j < n; j++) {
    const v = new Float64Array(m);
    for (let i = 0; i < m; i++) v[i] = tall ? a[i * cols + j]! : a[j * cols + i]!;
    // Gram-Schmidt, twice ("twice is enough") for orthogonality to rounding.
    for (let pass = 0; pass < 2; pass++) {
      for (const u of q) {
        let d = 0;
        for (let i = 0; i < m; i++) d += u[i]! * v[i]!;
        for (let i = 0; i < m; i++) v[i]! -= d * u[i]!;
      }
    }
    let norm = 0;
    for (let i = 0; i < m; i++) norm += v[i]! * v[i]!;
    norm = Math.sqrt(norm);
    for (let i = 0; i < m; i++) v[i]! /= norm;
    q.push(v);
  }
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[r * cols + c] = gain * (tall ? q[c]![r]! : q[r]![c]!);
  torch.tidy(() => torch.noGrad(() => w.copy_(torch.tensor(out, { shape: [rows, cols] }))));
}

/** Linear layers with ReLU between them (none after the last). */
export class MLP extends nn.Module {
  layers: torch.nn.Linear[];
  constructor(inDim: number, hidden: readonly number[], outDim: number) {
    super();
    const dims = [inDim, ...hidden, outDim];
    this.layers = dims.slice(1).map((d, i) => {
      const l = new nn.Linear(dims[i]!, d);
      orthogonal_(l.weight);
      torch.noGrad(() => l.bias!.zero_());
      return l;
    });
  }
  forward(x: torch.Tensor): torch.Tensor {
    let h = x;
    this.layers.forEach((l, i) => {
      h = linearOfOne(h, l.weight, l.bias!);
      if (i < this.layers.length - 1) h = h.relu();
    });
    return h;
  }
}

/**
 * x W^T + b for a stack of N independent layers: x [N, B, in], W [N, out, in], b [N, out] -> [N, B, out].
 * One bmm (libtorch runs it as one gemm per slice, the gemm `mm` would call) and the bias added after it.
 */
export function stackedLinear(x: torch.Tensor, w: torch.Tensor, b: torch.Tensor): torch.Tensor {
  return x.bmm(w.transpose(1, 2)).add(b.unsqueeze(1));
}

/**
 * A linear layer written as a stack of one (`stackedLinear` with N = 1), so that the batched SAC of
 * many tasks (`batched-sac.ts`), which stacks the same layers of several tasks, computes each task with
 * the very kernels the single-task agent uses: bit-identical results, forward and backward. (F.linear
 * differs in the last bits: it folds the bias into the gemm, and its weight gradient is computed
 * transposed.)
 */
export function linearOfOne(x: torch.Tensor, w: torch.Tensor, b: torch.Tensor): torch.Tensor {
  return stackedLinear(x.unsqueeze(0), w.unsqueeze(0), b.unsqueeze(0)).squeeze(0);
}

/** Two independent Q networks over the concatenation [obs, action]. */
export class DoubleQCritic extends nn.Module {
  q1: MLP;
  q2: MLP;
  constructor(obsDim: number, actDim: number, hidden: readonly number[]) {
    super();
    this.q1 = new MLP(obsDim + actDim, hidden, 1);
    this.q2 = new MLP(obsDim + actDim, hidden, 1);
  }
  forward(obs: torch.Tensor, action: torch.Tensor): [torch.Tensor, torch.Tensor] {
    const x = torch.cat([obs, action], -1);
    return [this.q1.forward(x), this.q2.forward(x)];
  }
}

/** The Gaussian before the tanh: mean and log-std, [B, A] each. */
export interface GaussianHead {
  mu: torch.Tensor;
  logStd: torch.Tensor;
}

export class TanhGaussianActor extends nn.Module {
  trunk: MLP;
  constructor(
    obsDim: number,
    readonly actDim: number,
    hidden: readonly number[],
    readonly logStdMin = -5,
    readonly logStdMax = 2,
  ) {
    super();
    this.trunk = new MLP(obsDim, hidden, 2 * actDim);
  }
  forward(obs: torch.Tensor): GaussianHead {
    return gaussianHead(this.trunk.forward(obs), this.logStdMin, this.logStdMax);
  }
}

/** The actor trunk's output [..., 2A] split into mu and a log-std squashed by tanh into [min, max]. */
export function gaussianHead(out: torch.Tensor, logStdMin: number, logStdMax: number): GaussianHead {
  const [mu, raw] = out.chunk(2, -1) as [torch.Tensor, torch.Tensor];
  const logStd = raw.tanh().add(1).mul(0.5 * (logStdMax - logStdMin)).add(logStdMin);
  return { mu, logStd };
}
