"""PyTorch reference for test/rl-sac.test.ts: SAC updates written the way pytorch_sac writes them
(SquashedNormal = Normal + TanhTransform(cache_size=1), twin critics, target critics, learned
temperature), on the weights, batches and noise the test saved. Writes losses, gradients after every
update, and the final parameters.

usage: sac_update.py <in.safetensors> <out.safetensors>
in:  param.<name> (SacNetworks names: actor.trunk.layers.i.*, critic.q{1,2}.layers.i.*,
     criticTarget.*, logAlpha), b<k>.{obs,action,reward,next_obs,not_done,eps_next,eps_cur};
     metadata 'config' (JSON: hidden, lrs, betas, discount, tau, targetUpdateEvery, actorUpdateEvery,
     logStdMin/Max, targetEntropy, updates).
"""
import json
import math
import os
import sys

import torch
import torch.nn.functional as F
from torch import distributions as pyd

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from st_io import load, save  # noqa: E402

torch.set_num_threads(1)
inp, meta = load(sys.argv[1])
cfg = json.loads(meta["config"])


class MLP(torch.nn.Module):
    def __init__(self, dims):
        super().__init__()
        self.layers = torch.nn.ModuleList(torch.nn.Linear(a, b) for a, b in zip(dims[:-1], dims[1:]))

    def forward(self, x):
        for i, l in enumerate(self.layers):
            x = l(x)
            if i < len(self.layers) - 1:
                x = F.relu(x)
        return x


class DoubleQ(torch.nn.Module):
    def __init__(self, obs_dim, act_dim, hidden):
        super().__init__()
        self.q1 = MLP([obs_dim + act_dim, *hidden, 1])
        self.q2 = MLP([obs_dim + act_dim, *hidden, 1])

    def forward(self, obs, action):
        x = torch.cat([obs, action], dim=-1)
        return self.q1(x), self.q2(x)


class Actor(torch.nn.Module):
    def __init__(self, obs_dim, act_dim, hidden):
        super().__init__()
        self.trunk = MLP([obs_dim, *hidden, 2 * act_dim])

    def forward(self, obs):
        mu, log_std = self.trunk(obs).chunk(2, dim=-1)
        log_std = torch.tanh(log_std)
        lo, hi = cfg["logStdMin"], cfg["logStdMax"]
        log_std = lo + 0.5 * (hi - lo) * (log_std + 1)
        return mu, log_std


class Nets(torch.nn.Module):
    def __init__(self, obs_dim, act_dim, hidden):
        super().__init__()
        self.actor = Actor(obs_dim, act_dim, hidden)
        self.critic = DoubleQ(obs_dim, act_dim, hidden)
        self.criticTarget = DoubleQ(obs_dim, act_dim, hidden)
        self.logAlpha = torch.nn.Parameter(torch.zeros(()))


def squashed_sample(mu, log_std, eps):
    """pytorch_sac's SquashedNormal, reparameterised with the given noise."""
    dist = pyd.TransformedDistribution(pyd.Normal(mu, log_std.exp()), [pyd.transforms.TanhTransform(cache_size=1)])
    x = mu + log_std.exp() * eps
    y = dist.transforms[0](x)  # caches x for log_prob
    return y, dist.log_prob(y).sum(-1, keepdim=True)


obs_dim = inp["b0.obs"].shape[1]
act_dim = inp["b0.action"].shape[1]
nets = Nets(obs_dim, act_dim, cfg["hidden"])
params = {k[len("param."):]: v for k, v in inp.items() if k.startswith("param.")}
missing, unexpected = nets.load_state_dict(params, strict=True)
for p in nets.criticTarget.parameters():
    p.requires_grad_(False)
betas = tuple(cfg["betas"])
actor_opt = torch.optim.Adam(nets.actor.parameters(), lr=cfg["actorLr"], betas=betas)
critic_opt = torch.optim.Adam(nets.critic.parameters(), lr=cfg["criticLr"], betas=betas)
alpha_opt = torch.optim.Adam([nets.logAlpha], lr=cfg["alphaLr"], betas=betas)

out = {}
for k in range(cfg["updates"]):
    b = {n: inp[f"b{k}.{n}"] for n in ["obs", "action", "reward", "next_obs", "not_done", "eps_next", "eps_cur"]}
    alpha = nets.logAlpha.exp().detach()
    # critic
    with torch.no_grad():
        mu, log_std = nets.actor(b["next_obs"])
        next_action, next_log_prob = squashed_sample(mu, log_std, b["eps_next"])
        tq1, tq2 = nets.criticTarget(b["next_obs"], next_action)
        target_v = torch.min(tq1, tq2) - alpha * next_log_prob
        target_q = b["reward"] + b["not_done"] * cfg["discount"] * target_v
    q1, q2 = nets.critic(b["obs"], b["action"])
    critic_loss = F.mse_loss(q1, target_q) + F.mse_loss(q2, target_q)
    critic_opt.zero_grad()
    critic_loss.backward()
    critic_opt.step()
    out[f"u{k}.critic_loss"] = critic_loss.detach().reshape(1)
    for n, p in nets.critic.named_parameters():
        out[f"u{k}.grad.critic.{n}"] = p.grad.clone()
    if k % cfg["actorUpdateEvery"] == 0:
        mu, log_std = nets.actor(b["obs"])
        action, log_prob = squashed_sample(mu, log_std, b["eps_cur"])
        aq1, aq2 = nets.critic(b["obs"], action)
        actor_loss = (alpha * log_prob - torch.min(aq1, aq2)).mean()
        actor_opt.zero_grad()
        actor_loss.backward()
        actor_opt.step()
        alpha_loss = (nets.logAlpha.exp() * (-log_prob - cfg["targetEntropy"]).detach()).mean()
        alpha_opt.zero_grad()
        alpha_loss.backward()
        alpha_opt.step()
        out[f"u{k}.actor_loss"] = actor_loss.detach().reshape(1)
        out[f"u{k}.alpha_loss"] = alpha_loss.detach().reshape(1)
        out[f"u{k}.log_prob"] = log_prob.detach()
        for n, p in nets.actor.named_parameters():
            out[f"u{k}.grad.actor.{n}"] = p.grad.clone()
        out[f"u{k}.grad.logAlpha"] = nets.logAlpha.grad.clone().reshape(1)
    if k % cfg["targetUpdateEvery"] == 0:
        with torch.no_grad():
            for p, tp in zip(nets.critic.parameters(), nets.criticTarget.parameters()):
                tp.data.copy_(cfg["tau"] * p.data + (1 - cfg["tau"]) * tp.data)

for n, p in nets.state_dict().items():
    out[f"final.{n}"] = p.detach().clone().reshape(p.shape if p.dim() else (1,))
save(sys.argv[2], out)
