"""An independent PyTorch implementation of the multi-domain Decision Transformer (l2m-spec.md section 1),
for checking the TypeScript model: same parameter names and layouts (Linear weights [out, in], fused c_attn).
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    def __init__(self, d, n_head, d_inner, eps, p=0.0):
        super().__init__()
        self.n_head = n_head
        self.p = p
        self.ln_1 = nn.LayerNorm(d, eps=eps)
        self.attn = nn.Module()
        self.attn.c_attn = nn.Linear(d, 3 * d)
        self.attn.c_proj = nn.Linear(d, d)
        self.ln_2 = nn.LayerNorm(d, eps=eps)
        self.mlp = nn.Module()
        self.mlp.c_fc = nn.Linear(d, d_inner)
        self.mlp.c_proj = nn.Linear(d_inner, d)

    def forward(self, x, key_padding):  # key_padding: [B, L] bool, True = padding
        B, L, D = x.shape
        h = self.ln_1(x)
        q, k, v = self.attn.c_attn(h).split(D, dim=-1)
        q, k, v = [t.view(B, L, self.n_head, D // self.n_head).transpose(1, 2) for t in (q, k, v)]
        att = (q @ k.transpose(-2, -1)) / math.sqrt(D // self.n_head)
        causal = torch.ones(L, L, dtype=torch.bool).triu(1)
        mask = causal[None, None] | key_padding[:, None, None, :]
        att = att.masked_fill(mask, torch.finfo(att.dtype).min).softmax(-1)
        att = F.dropout(att, self.p, self.training)
        y = (att @ v).transpose(1, 2).reshape(B, L, D)
        x = x + F.dropout(self.attn.c_proj(y), self.p, self.training)
        return x + F.dropout(self.mlp.c_proj(F.gelu(self.mlp.c_fc(self.ln_2(x)))), self.p, self.training)


class DT(nn.Module):
    # dropout: GPT-2's placement (embeddings, attention weights, both residual branches); 0 unless asked,
    # so the parity tests, which compare deterministic passes, never draw from it.
    def __init__(self, c, dropout=0.0):
        super().__init__()
        self.p = dropout
        d = c["dModel"]
        self.c = c
        self.embed_timestep = nn.Embedding(c["maxEpisodeLength"], d)
        self.embed_state = nn.Linear(c["stateDim"], d)
        self.embed_return = nn.Linear(1, d)
        self.embed_action = nn.Embedding(c["actionBins"] + 1, d, padding_idx=c["actionBins"])
        if c.get("actionPositionEmbedding"):
            self.embed_act_pos = nn.Embedding(c["maxActDim"], d)
        self.embed_reward = nn.Linear(1, d)
        self.embed_ln = nn.LayerNorm(d, eps=c["layerNormEps"])
        self.wpe = nn.Embedding(c["nPositions"], d)
        self.blocks = nn.ModuleList([Block(d, c["nHead"], c["dInner"], c["layerNormEps"], dropout) for _ in range(c["nLayer"])])
        self.ln_f = nn.LayerNorm(d, eps=c["layerNormEps"])
        self.action_head = nn.Linear(d, c["actionBins"])

    def forward(self, states, action_tokens, rtg, rewards, timesteps, attention_mask):
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
        x = torch.stack(toks, dim=2).reshape(B, K * T, -1)  # timestep-major interleaving
        x = self.embed_ln(x) + self.wpe(torch.zeros(B, K * T, dtype=torch.long))
        x = F.dropout(x, self.p, self.training)
        key_padding = (~attention_mask)[:, :, None].expand(B, K, T).reshape(B, K * T)
        for blk in self.blocks:
            x = blk(x, key_padding)
        h = self.ln_f(x).view(B, K, T, -1)
        return self.action_head(h[:, :, 1 : 1 + A])  # R_t predicts a^1, a^i predicts a^(i+1)

    def loss(self, batch, action_mask):
        logits = self(*batch)
        targets = batch[1].masked_fill(action_mask == 0, -100)
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=-100)
