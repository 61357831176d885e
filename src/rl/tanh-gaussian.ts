/**
 * The tanh-squashed Gaussian policy distribution (pytorch_sac's SquashedNormal):
 *   u = mu + std * eps,  a = tanh(u),
 *   log pi(a) = sum_i [ log N(u_i; mu_i, std_i) - log(1 - tanh(u_i)^2) ],
 * with log(1 - tanh(u)^2) written stably as 2 (log 2 - u - softplus(-2u)) (PyTorch's TanhTransform).
 */
import * as torch from '../torch/index.ts';
const { F } = torch;

const LOG_SQRT_2PI = Math.log(Math.sqrt(2 * Math.PI));

export interface SquashedSample {
  /** tanh(u), [B, A]. */
  action: torch.Tensor;
  /** Log-density of the action, summed over dimensions, [B, 1]. */
  logProb: torch.Tensor;
}

/** Reparameterised sample (gradients flow to mu and logStd) with its log-probability. */
export function sampleSquashed(mu: torch.Tensor, logStd: torch.Tensor, eps: torch.Tensor, softplus: (x: torch.Tensor) => torch.Tensor = F.softplus): SquashedSample {
  const std = logStd.exp();
  const u = mu.add(std.mul(eps));
  return { action: u.tanh(), logProb: squashedLogProb(mu, logStd, u, softplus) };
}

/**
 * log pi(tanh(u)) for the pre-squash value u, summed over the last dimension (keepdim). `softplus`
 * replaces F.softplus (the batched SAC applies it task by task where its vector kernel's tail would
 * otherwise fall elsewhere than in a task's own tensor).
 */
export function squashedLogProb(mu: torch.Tensor, logStd: torch.Tensor, u: torch.Tensor, softplus: (x: torch.Tensor) => torch.Tensor = F.softplus): torch.Tensor {
  // Normal.log_prob as PyTorch writes it: -(u - mu)^2 / (2 var) - log std - log sqrt(2 pi).
  const variance = logStd.exp().pow(2);
  const gauss = u.sub(mu).pow(2).neg().div(variance.mul(2)).sub(logStd).sub(LOG_SQRT_2PI);
  const logDetJacobian = softplus(u.mul(-2)).add(u).neg().add(Math.LN2).mul(2);
  return gauss.sub(logDetJacobian).sum(-1, true);
}

/** The deterministic (evaluation) action tanh(mu). */
export function squashedMean(mu: torch.Tensor): torch.Tensor {
  return mu.tanh();
}
