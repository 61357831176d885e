/**
 * Test helpers: numerical gradient checking (like torch.autograd.gradcheck) and locating a Python
 * interpreter with PyTorch for reference computations.
 */
import { spawnSync } from 'node:child_process';
import { Tensor } from './tensor.ts';
import { tensor } from './creation.ts';
import { noGrad } from './autograd.ts';
import { tidy } from './scope.ts';

export interface GradcheckResult {
  ok: boolean;
  /** The worst element: input index, flat element index, analytic and numeric values. */
  worst: { input: number; element: number; analytic: number; numeric: number; error: number };
}

/**
 * Compares autograd gradients of sum(fn(inputs) * w) (w fixed random weights) with central finite
 * differences. Inputs should be float64; each is perturbed element by element.
 */
export function gradcheck(fn: (xs: Tensor[]) => Tensor, inputs: Tensor[], opts: { eps?: number; atol?: number; rtol?: number; seed?: number } = {}): GradcheckResult {
  const eps = opts.eps ?? 1e-6;
  const atol = opts.atol ?? 1e-5;
  const rtol = opts.rtol ?? 1e-4;
  return tidy(() => {
    const leaves = inputs.map((x) => x.detach().clone().requiresGrad_(true));
    const out = fn(leaves);
    let seed = opts.seed ?? 12345;
    const n = out.numel();
    const wData = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      wData[i] = 0.5 + seed / 2147483648; // in [0.5, 1.5): no cancellation
    }
    const w = tensor(wData, { shape: out.shape, dtype: out.dtype === 'float32' ? 'float32' : 'float64' });
    out.mul(w).sum().backward();
    const analytic = leaves.map((l) => (l.grad === null ? new Float64Array(l.numel()) : l.grad.toFloat64Array()));
    const objective = (xs: Tensor[]): number => tidy(() => noGrad(() => fn(xs).mul(w).sum().item()));
    let worst = { input: -1, element: -1, analytic: 0, numeric: 0, error: 0 };
    let ok = true;
    inputs.forEach((x, i) => {
      const base = x.toFloat64Array();
      for (let j = 0; j < base.length; j++) {
        const eval1 = (delta: number): number => {
          const data = base.slice();
          data[j]! += delta;
          const moved = tensor(data, { shape: x.shape, dtype: x.dtype });
          const xs = inputs.map((y, k) => (k === i ? moved : y));
          return objective(xs);
        };
        const numeric = (eval1(eps) - eval1(-eps)) / (2 * eps);
        const a = analytic[i]![j]!;
        const err = Math.abs(a - numeric);
        const allowed = atol + rtol * Math.abs(numeric);
        if (err > allowed) ok = false;
        if (err - allowed > worst.error - (atol + rtol * Math.abs(worst.numeric)) || worst.input < 0) {
          worst = { input: i, element: j, analytic: a, numeric, error: err };
        }
      }
    });
    return { ok, worst };
  });
}

let pythonCache: string | undefined;

/**
 * A Python interpreter that imports torch: L2M_PYTHON when set (and only it), else Debian's
 * /usr/bin/python3, then python3 on PATH. Throws a clear error when none does.
 */
export function findTorchPython(): string {
  if (pythonCache !== undefined) return pythonCache;
  const explicit = process.env.L2M_PYTHON;
  pythonCache = findTorchPythonAmong(explicit ? [explicit] : ['/usr/bin/python3', 'python3']);
  return pythonCache;
}

/** The first candidate interpreter that can `import torch`; throws naming all candidates otherwise. */
export function findTorchPythonAmong(candidates: string[]): string {
  for (const c of candidates) {
    const r = spawnSync(c, ['-c', 'import torch, sys; sys.stdout.write(torch.__version__)'], { encoding: 'utf8' });
    if (r.status === 0) return c;
  }
  throw new Error(
    `no Python interpreter with PyTorch found (tried ${candidates.join(', ')}): the PyTorch reference checks need one. ` +
      'Install Debian\'s python3-torch (`apt-get install python3-torch python3-numpy`) or set L2M_PYTHON to an interpreter that can `import torch`.',
  );
}

/** Runs a Python script with the torch interpreter; throws with its stderr when it fails. */
export function runPython(script: string, args: string[], opts: { env?: Record<string, string>; timeoutMs?: number } = {}): string {
  const py = findTorchPython();
  const r = spawnSync(py, [script, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...opts.env },
    timeout: opts.timeoutMs ?? 120_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`${py} ${script} failed (exit ${r.status ?? r.signal}):\n${r.stderr}`);
  return r.stdout;
}
