"""PyTorch side of bench/sac-update.ts: the same SAC update as src/rl/sac.ts (batch drawn from an
in-memory replay buffer, critic step, actor and temperature steps with the critic's weights excluded
from the actor's backward, soft target update every 2nd update), timed the same way. Prints one JSON line.

usage: sac_update.py <json config>   (threads come through the config and OPENBLAS_NUM_THREADS)
"""
import json
import math
import statistics
import sys
import time

cfg = json.loads(sys.argv[1])
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

torch.set_num_threads(cfg["intraOpThreads"])
torch.manual_seed(0)
O, A, H, B = cfg["obsDim"], cfg["actDim"], cfg["hidden"], cfg["batch"]
LR, TAU, GAMMA, LOG_STD_MIN, LOG_STD_MAX = 3e-4, 0.005, 0.99, -5.0, 2.0


def mlp(i, o):
    dims = [i, *H, o]
    layers = []
    for k, (a, b) in enumerate(zip(dims[:-1], dims[1:])):
        layers.append(torch.nn.Linear(a, b))
        if k < len(dims) - 2:
            layers.append(torch.nn.ReLU())
    return torch.nn.Sequential(*layers)


actor = mlp(O, 2 * A)
q1, q2 = mlp(O + A, 1), mlp(O + A, 1)
t1, t2 = mlp(O + A, 1), mlp(O + A, 1)
t1.load_state_dict(q1.state_dict())
t2.load_state_dict(q2.state_dict())
critic_params = list(q1.parameters()) + list(q2.parameters())
target_params = list(t1.parameters()) + list(t2.parameters())
for p in target_params:
    p.requires_grad_(False)
log_alpha = torch.tensor(math.log(0.1), requires_grad=True)
actor_opt = torch.optim.Adam(actor.parameters(), lr=LR)
critic_opt = torch.optim.Adam(critic_params, lr=LR)
alpha_opt = torch.optim.Adam([log_alpha], lr=LR)
N = cfg["bufferSize"]
buf = {
    "obs": torch.randn(N, O),
    "action": torch.rand(N, A) * 2 - 1,
    "reward": torch.rand(N, 1),
    "next_obs": torch.randn(N, O),
    "not_done": torch.ones(N, 1),
}
LOG_SQRT_2PI = math.log(math.sqrt(2 * math.pi))


def head(obs):
    mu, raw = actor(obs).chunk(2, dim=-1)
    return mu, (raw.tanh() + 1) * (0.5 * (LOG_STD_MAX - LOG_STD_MIN)) + LOG_STD_MIN


def sample(mu, log_std):
    std = log_std.exp()
    u = mu + std * torch.randn_like(mu)
    gauss = -((u - mu) ** 2) / (2 * std**2) - log_std - LOG_SQRT_2PI
    log_det = 2 * (math.log(2) - u - F.softplus(-2 * u))
    return u.tanh(), (gauss - log_det).sum(-1, keepdim=True)


def critics(nets, obs, action):
    x = torch.cat([obs, action], dim=-1)
    return nets[0](x), nets[1](x)


updates = 0


def update():
    global updates
    idx = torch.randint(0, N, (B,))
    obs, action, reward, next_obs, not_done = (buf[k][idx] for k in ["obs", "action", "reward", "next_obs", "not_done"])
    alpha = log_alpha.exp().detach()
    with torch.no_grad():
        mu, log_std = head(next_obs)
        na, nlp = sample(mu, log_std)
        tq1, tq2 = critics((t1, t2), next_obs, na)
        target = reward + not_done * (torch.min(tq1, tq2) - alpha * nlp) * GAMMA
    c1, c2 = critics((q1, q2), obs, action)
    critic_loss = F.mse_loss(c1, target) + F.mse_loss(c2, target)
    critic_opt.zero_grad(set_to_none=True)
    critic_loss.backward()
    critic_opt.step()
    for p in critic_params:
        p.requires_grad_(False)
    mu, log_std = head(obs)
    a, lp = sample(mu, log_std)
    aq1, aq2 = critics((q1, q2), obs, a)
    actor_loss = (alpha * lp - torch.min(aq1, aq2)).mean()
    actor_opt.zero_grad(set_to_none=True)
    actor_loss.backward()
    actor_opt.step()
    for p in critic_params:
        p.requires_grad_(True)
    lp = lp.detach()
    alpha_loss = (log_alpha.exp() * (-lp - (-A))).mean()
    alpha_opt.zero_grad(set_to_none=True)
    alpha_loss.backward()
    alpha_opt.step()
    if updates % 2 == 0:
        with torch.no_grad():
            for p, tp in zip(critic_params, target_params):
                tp.lerp_(p, TAU)
    updates += 1
    return critic_loss.item(), actor_loss.item(), alpha_loss.item()


for _ in range(cfg["warmup"]):
    update()
times = []
c0 = time.process_time()
for _ in range(cfg["updates"]):
    t = time.perf_counter()
    update()
    times.append(time.perf_counter() - t)
cpu = (time.process_time() - c0) / cfg["updates"]
params = sum(p.numel() for m in (actor, q1, q2) for p in m.parameters())
print(json.dumps({"update": statistics.median(times), "updateCpu": cpu, "params": params, "threads": torch.get_num_threads(), "torch": torch.__version__}))
