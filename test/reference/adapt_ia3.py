"""(IA)3 reference (l2m-spec.md section 3): learned vectors (init 1) scaling K and V of the fused c_attn output
and the FFN hidden after GELU (the input of mlp.c_proj), per block; vectors carry a leading pool axis (rows).
`embeddings` (the original's mod_embeds): embed_ln((token + time) * v_type) for the state, return, action
and reward tokens, written here as its own embed_tokens."""
import types

import torch
import torch.nn as nn
import torch.nn.functional as F

from adapt_model import rows_of


def per_row(vec, model, B, ndim):
    v = vec[rows_of(model, B)]  # [B, n]
    return v[:, None, :] if ndim == 3 else v


class Ia3Attention(nn.Module):
    def __init__(self, base, model, k, v, rows):
        super().__init__()
        self.weight, self.bias = base.weight, base.bias
        self.model = [model]
        d = base.weight.shape[0] // 3
        if k:
            self.ia3_k = nn.Parameter(torch.ones(rows, d))
        if v:
            self.ia3_v = nn.Parameter(torch.ones(rows, d))

    def forward(self, x):
        q, k, v = F.linear(x, self.weight, self.bias).chunk(3, dim=-1)
        if hasattr(self, "ia3_k"):
            k = k * per_row(self.ia3_k, self.model[0], x.shape[0], x.dim())
        if hasattr(self, "ia3_v"):
            v = v * per_row(self.ia3_v, self.model[0], x.shape[0], x.dim())
        return torch.cat([q, k, v], -1)


class Ia3FfnProj(nn.Module):
    def __init__(self, base, model, rows):
        super().__init__()
        self.weight, self.bias = base.weight, base.bias
        self.model = [model]
        self.ia3_ffn = nn.Parameter(torch.ones(rows, base.weight.shape[1]))

    def forward(self, h):
        return F.linear(h * per_row(self.ia3_ffn, self.model[0], h.shape[0], h.dim()), self.weight, self.bias)


class Ia3EmbedLn(nn.Module):
    """embed_ln with the four embedding vectors as its children (the scaling itself is in embed_tokens below)."""

    def __init__(self, base):
        super().__init__()
        self.weight, self.bias, self.eps = base.weight, base.bias, base.eps
        d = base.weight.shape[0]
        for t in ("state", "return", "action", "reward"):
            setattr(self, "ia3_" + t, nn.Parameter(torch.ones(1, d)))

    def forward(self, x):
        return F.layer_norm(x, self.weight.shape, self.weight, self.bias, self.eps)


def embed_tokens_ia3(self, states, action_tokens, rtg, rewards, timesteps):
    B, K, _ = states.shape
    A = self.c["maxActDim"]
    ln = self.embed_ln
    time = self.embed_timestep(timesteps)
    s = (self.embed_state(states) + time) * ln.ia3_state[0]
    R = (self.embed_return(rtg[..., None]) + time) * ln.ia3_return[0]
    a = self.embed_action(action_tokens)
    if self.c.get("actionPositionEmbedding"):
        a = a + self.embed_act_pos.weight
    acts = [(a[:, :, i] + time) * ln.ia3_action[0] for i in range(A)]
    r = (self.embed_reward(rewards[..., None]) + time) * ln.ia3_reward[0]
    return ln(torch.stack([s, R, *acts, r], dim=2).reshape(B, K * (A + 3), -1))


def layers_of(model, layers):
    n = len(model.blocks)
    return list(range(n)) if layers == "all" else [l % n for l in layers]


def inject_ia3(model, cfg, rows=1):
    for l in layers_of(model, cfg["layers"]):
        blk = model.blocks[l]
        if cfg["k"] or cfg["v"]:
            blk.attn.c_attn = Ia3Attention(blk.attn.c_attn, model, cfg["k"], cfg["v"], rows)
        if cfg["ffn"]:
            blk.mlp.c_proj = Ia3FfnProj(blk.mlp.c_proj, model, rows)
    if cfg["embeddings"]:
        model.embed_ln = Ia3EmbedLn(model.embed_ln)
        model.embed_tokens = types.MethodType(embed_tokens_ia3, model)


def inject(model, cfg):
    inject_ia3(model, cfg)
