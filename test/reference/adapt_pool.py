"""Key-matched pool reference shared by adapt_l2p.py and adapt_l2m*.py (l2m-spec.md section 4, written from
the spec): query = masked mean of the state tokens (position t*T of the embed_ln output, before wpe[0]) over
real timesteps; cosine against the keys; the oracle masks similarity outside the window's task block with
-inf; top-k (not differentiable); pull = sum_b sum_j cos(key[idx_bj], q_b) / B; aux loss = -coef * pull.
Training mode of the first task only: no count penalty (the TypeScript tests check the penalty against
hand-computed weights)."""
import torch
import torch.nn as nn
import torch.nn.functional as F


class KeyPool(nn.Module):
    def __init__(self, d, cfg, top_k):
        super().__init__()
        self.cfg, self.top_k = cfg, top_k
        self.keys = nn.Parameter(torch.empty(cfg["pool"], d).uniform_(-1, 1))
        if cfg.get("pretrainKeys"):
            self.pretrain_keys = nn.Parameter(torch.empty(cfg["pretrainKeys"], d).uniform_(-1, 1))

    def select(self, E, attention_mask, task_ids, T):
        B, L, d = E.shape
        states = E.reshape(B, L // T, T, d)[:, :, 0]
        m = attention_mask.float()
        q = (states * m[..., None]).sum(1) / m.sum(-1, keepdim=True)
        qn, kn = F.normalize(q, dim=1), F.normalize(self.keys, dim=1)
        scores = (qn @ kn.t()).detach()
        oracle = self.cfg.get("oracle")
        if oracle:
            block = self.cfg["pool"] // oracle["tasks"]
            outside = (torch.arange(self.cfg["pool"])[None, :] // block) != task_ids.long()[:, None]
            scores = scores.masked_fill(outside, float("-inf"))
        idx = scores.topk(self.top_k, dim=1).indices
        pull = (kn[idx] * qn[:, None, :]).sum() / B
        return idx, -self.cfg["pullCoef"] * pull
