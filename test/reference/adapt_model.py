"""PyTorch reference of the Decision Transformer with an adaptation method attached (test/adapt-*.test.ts).

Written from l2m-spec.md sections 3-4 and src/model/modulation.ts's contract, independently of the
TypeScript code: a method is a Python module `adapt_<name>.py` beside this file with
`inject(model, config)`, which replaces layers (keeping the base's parameter names, new ones beside
them) and may set `model.modulator`, a callable `(E, attention_mask, task_ids, T) -> dict` with any of
`rows` [B], `prompt` [B, P, d], `prefix` (per layer (k, v) [B, H, P, hd] or None), `layer_prompts`
(per layer [B, P, d] or None) and `aux_loss`. Wrapped layers read `rows` from `model.current`.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from dt_model import DT


class AdaptDT(DT):
    def __init__(self, c, dropout=0.0):
        super().__init__(c, dropout)
        self.modulator = None
        self.current = {}

    def embed_tokens(self, states, action_tokens, rtg, rewards, timesteps):
        B, K, _ = states.shape
        A = self.c["maxActDim"]
        T = A + 3
        time = self.embed_timestep(timesteps)
        toks = [self.embed_state(states) + time, self.embed_return(rtg[..., None]) + time]
        a = self.embed_action(action_tokens)
        if self.c.get("actionPositionEmbedding"):
            a = a + self.embed_act_pos.weight
        toks += [a[:, :, i] + time for i in range(A)]
        toks.append(self.embed_reward(rewards[..., None]) + time)
        return self.embed_ln(torch.stack(toks, dim=2).reshape(B, K * T, -1))

    def forward(self, states, action_tokens, rtg, rewards, timesteps, attention_mask, task_ids=None):
        B, K, _ = states.shape
        A = self.c["maxActDim"]
        T = A + 3
        H = self.c["nHead"]
        E = self.embed_tokens(states, action_tokens, rtg, rewards, timesteps)
        mod = self.modulator(E, attention_mask, task_ids, T) if self.modulator is not None else {}
        self.current = mod
        wpe0 = self.wpe.weight[0]
        x = E + wpe0
        key_padding = (~attention_mask)[:, :, None].expand(B, K, T).reshape(B, K * T)
        P = 0
        if mod.get("prompt") is not None:
            P = mod["prompt"].shape[1]
            x = torch.cat([mod["prompt"] + wpe0, x], 1)
            key_padding = torch.cat([torch.zeros(B, P, dtype=torch.bool), key_padding], 1)
        x = F.dropout(x, self.p, self.training)
        for i, blk in enumerate(self.blocks):
            prefix = (mod.get("prefix") or [None] * len(self.blocks))[i]
            deep = (mod.get("layer_prompts") or [None] * len(self.blocks))[i]
            x = block_forward(blk, x, key_padding, prefix, deep, H, self.p if self.training else 0.0)
        h = self.ln_f(x)[:, P:].reshape(B, K, T, -1)
        return self.action_head(h[:, :, 1 : 1 + A]), mod

    def loss(self, batch, action_mask, task_ids=None):
        logits, mod = self(*batch, task_ids=task_ids)
        targets = batch[1].masked_fill(action_mask == 0, -100)
        ce = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=-100)
        return ce + mod["aux_loss"] if mod.get("aux_loss") is not None else ce


def block_forward(blk, x, key_padding, prefix, deep, H, p=0.0):
    """GPT-2 pre-LN block; a layer prefix (k, v) or a deep prompt (turned into k, v by this layer) is prepended to the keys."""
    B, L, D = x.shape
    h = blk.ln_1(x)
    q, k, v = blk.attn.c_attn(h).split(D, dim=-1)
    heads = lambda t: t.view(B, t.shape[1], H, D // H).transpose(1, 2)  # noqa: E731
    q, k, v = heads(q), heads(k), heads(v)
    if deep is not None:
        _, dk, dv = blk.attn.c_attn(blk.ln_1(deep)).split(D, dim=-1)
        prefix = (heads(dk), heads(dv))
    P = 0
    if prefix is not None:
        P = prefix[0].shape[2]
        k = torch.cat([prefix[0], k], 2)
        v = torch.cat([prefix[1], v], 2)
        key_padding = torch.cat([torch.zeros(B, P, dtype=torch.bool), key_padding], 1)
    att = (q @ k.transpose(-2, -1)) / math.sqrt(D // H)
    causal = torch.ones(L, L + P, dtype=torch.bool).triu(1 + P)
    mask = causal[None, None] | key_padding[:, None, None, :]
    att = F.dropout(att.masked_fill(mask, torch.finfo(att.dtype).min).softmax(-1), p)
    y = (att @ v).transpose(1, 2).reshape(B, L, D)
    x = x + F.dropout(blk.attn.c_proj(y), p)
    return x + F.dropout(blk.mlp.c_proj(F.gelu(blk.mlp.c_fc(blk.ln_2(x)))), p)


def rows_of(model, B):
    """The pool row of each sample (all 0 without `rows`)."""
    r = model.current.get("rows")
    return r if r is not None else torch.zeros(B, dtype=torch.long)
