/**
 * The GPT-style benchmark model (pre-LN blocks, causal multi-head attention, tanh-GELU MLP), the
 * same architecture and parameter names as test/reference/gpt_model.py. Used by bench/gpt.ts and
 * test/torch-pytorch-parity.test.ts; also a compact example of model code on src/torch.
 */
import * as torch from '../src/torch/index.ts';

const { nn, F } = torch;
type Tensor = torch.Tensor;

export interface GPTConfig {
  vocabSize: number;
  blockSize: number;
  nLayer: number;
  nHead: number;
  nEmbd: number;
  mlpHidden: number;
  dropout: number;
}

/** The benchmark of docs/tensor-engine-notes.md: 4 layers, d_model 256, 4 heads, MLP 1024, 60 tokens. */
export const BENCH_CONFIG: GPTConfig = { vocabSize: 512, blockSize: 60, nLayer: 4, nHead: 4, nEmbd: 256, mlpHidden: 1024, dropout: 0 };

class CausalSelfAttention extends nn.Module {
  c_attn: torch.nn.Linear;
  c_proj: torch.nn.Linear;
  constructor(private readonly cfg: GPTConfig) {
    super();
    this.c_attn = new nn.Linear(cfg.nEmbd, 3 * cfg.nEmbd);
    this.c_proj = new nn.Linear(cfg.nEmbd, cfg.nEmbd);
  }
  forward(x: Tensor): Tensor {
    const [q, k, v] = this.c_attn.forward(x).split(this.cfg.nEmbd, 2) as [Tensor, Tensor, Tensor];
    const y = F.multiHeadAttention(q, k, v, { numHeads: this.cfg.nHead, causal: true, dropout: this.cfg.dropout, training: this.training });
    return this.c_proj.forward(y);
  }
}

class MLP extends nn.Module {
  c_fc: torch.nn.Linear;
  c_proj: torch.nn.Linear;
  constructor(cfg: GPTConfig) {
    super();
    this.c_fc = new nn.Linear(cfg.nEmbd, cfg.mlpHidden);
    this.c_proj = new nn.Linear(cfg.mlpHidden, cfg.nEmbd);
  }
  forward(x: Tensor): Tensor {
    return this.c_proj.forward(F.gelu(this.c_fc.forward(x), 'tanh'));
  }
}

class Block extends nn.Module {
  ln_1: torch.nn.LayerNorm;
  attn: CausalSelfAttention;
  ln_2: torch.nn.LayerNorm;
  mlp: MLP;
  constructor(cfg: GPTConfig) {
    super();
    this.ln_1 = new nn.LayerNorm(cfg.nEmbd);
    this.attn = new CausalSelfAttention(cfg);
    this.ln_2 = new nn.LayerNorm(cfg.nEmbd);
    this.mlp = new MLP(cfg);
  }
  forward(x: Tensor): Tensor {
    const h = x.add(this.attn.forward(this.ln_1.forward(x)));
    return h.add(this.mlp.forward(this.ln_2.forward(h)));
  }
}

export class GPT extends nn.Module {
  wte: torch.nn.Embedding;
  wpe: torch.nn.Embedding;
  h: Block[];
  ln_f: torch.nn.LayerNorm;
  lm_head: torch.nn.Linear;
  constructor(readonly cfg: GPTConfig) {
    super();
    this.wte = new nn.Embedding(cfg.vocabSize, cfg.nEmbd);
    this.wpe = new nn.Embedding(cfg.blockSize, cfg.nEmbd);
    this.h = Array.from({ length: cfg.nLayer }, () => new Block(cfg));
    this.ln_f = new nn.LayerNorm(cfg.nEmbd);
    this.lm_head = new nn.Linear(cfg.nEmbd, cfg.vocabSize, { bias: false });
  }
  /** idx [B, T] int64 -> logits [B, T, vocab]; with targets also the mean cross-entropy loss. */
  forward(idx: Tensor, targets?: Tensor): { logits: Tensor; loss?: Tensor } {
    const [b, t] = idx.shape as [number, number];
    let x = this.wte.forward(idx).add(this.wpe.forward(torch.arange(t, { device: idx.device })));
    for (const block of this.h) x = block.forward(x);
    const logits = this.lm_head.forward(this.ln_f.forward(x));
    if (!targets) return { logits };
    const loss = F.crossEntropy(logits.view(b * t, -1), targets.view(b * t));
    return { logits, loss };
  }
}
