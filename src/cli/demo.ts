/**
 * `l2m demo`: trains a small causal transformer on a synthetic task with src/torch and prints the
 * loss falling. The task: continue arithmetic sequences x_t = (a + b t) mod V with a and b random
 * per sequence, which needs attention over the context to infer b.
 */
import { Command, InvalidArgumentError } from 'commander';
import * as torch from '../torch/index.ts';

const { nn, F, optim } = torch;
type Tensor = torch.Tensor;

interface DemoConfig {
  vocab: number;
  seqLen: number;
  dModel: number;
  nHead: number;
  nLayer: number;
}

class Block extends nn.Module {
  ln_1: torch.nn.LayerNorm;
  qkv: torch.nn.Linear;
  proj: torch.nn.Linear;
  ln_2: torch.nn.LayerNorm;
  fc: torch.nn.Linear;
  out: torch.nn.Linear;
  constructor(private readonly cfg: DemoConfig) {
    super();
    this.ln_1 = new nn.LayerNorm(cfg.dModel);
    this.qkv = new nn.Linear(cfg.dModel, 3 * cfg.dModel);
    this.proj = new nn.Linear(cfg.dModel, cfg.dModel);
    this.ln_2 = new nn.LayerNorm(cfg.dModel);
    this.fc = new nn.Linear(cfg.dModel, 4 * cfg.dModel);
    this.out = new nn.Linear(4 * cfg.dModel, cfg.dModel);
  }
  forward(x: Tensor): Tensor {
    const [q, k, v] = this.qkv.forward(this.ln_1.forward(x)).chunk(3, -1) as [Tensor, Tensor, Tensor];
    const h = x.add(this.proj.forward(F.multiHeadAttention(q, k, v, { numHeads: this.cfg.nHead, causal: true })));
    return h.add(this.out.forward(F.gelu(this.fc.forward(this.ln_2.forward(h)), 'tanh')));
  }
}

class TinyTransformer extends nn.Module {
  tok: torch.nn.Embedding;
  pos: torch.nn.Embedding;
  blocks: Block[];
  ln_f: torch.nn.LayerNorm;
  head: torch.nn.Linear;
  constructor(cfg: DemoConfig) {
    super();
    this.tok = new nn.Embedding(cfg.vocab, cfg.dModel);
    this.pos = new nn.Embedding(cfg.seqLen, cfg.dModel);
    this.blocks = Array.from({ length: cfg.nLayer }, () => new Block(cfg));
    this.ln_f = new nn.LayerNorm(cfg.dModel);
    this.head = new nn.Linear(cfg.dModel, cfg.vocab);
  }
  forward(idx: Tensor): Tensor {
    let x = this.tok.forward(idx).add(this.pos.forward(torch.arange(idx.size(1), { device: idx.device })));
    for (const b of this.blocks) x = b.forward(x);
    return this.head.forward(this.ln_f.forward(x));
  }
}

/** A batch of sequences (a + b t) mod vocab: inputs [B, T] and next-token targets [B, T]. */
function batch(cfg: DemoConfig, size: number): { x: Tensor; y: Tensor } {
  return torch.tidy(() => {
    const a = torch.randint(0, cfg.vocab, [size, 1]);
    const b = torch.randint(1, cfg.vocab, [size, 1]);
    const seq = a.add(b.mul(torch.arange(cfg.seqLen + 1).unsqueeze(0))).remainder(cfg.vocab);
    return { x: seq.narrow(1, 0, cfg.seqLen), y: seq.narrow(1, 1, cfg.seqLen).contiguous() };
  });
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`expected a positive integer, got '${value}'`);
  return n;
}

export function demoCommand(): Command {
  return new Command('demo')
    .description('train a small transformer on a synthetic sequence task and print its loss falling (a check of the tensor engine)')
    .option('--steps <n>', 'training steps', positiveInt, 300)
    .option('--batch <n>', 'sequences per step', positiveInt, 32)
    .option('--seed <n>', 'random seed', (v) => Number(v), 0)
    .option('--lr <x>', 'peak learning rate', (v) => Number(v), 3e-3)
    .action((o: { steps: number; batch: number; seed: number; lr: number }) => {
      const cfg: DemoConfig = { vocab: 16, seqLen: 12, dModel: 64, nHead: 4, nLayer: 2 };
      torch.manualSeed(o.seed);
      const model = new TinyTransformer(cfg);
      const opt = new optim.AdamW(model.parameters(), { lr: o.lr, weightDecay: 0.01 });
      const sched = new optim.LambdaLR(opt, optim.cosineWithWarmup(Math.min(30, o.steps), o.steps, 0.1));
      console.log(`libtorch ${torch.libtorchVersion()} on ${torch.defaultDevice()}; ${model.numParameters()} parameters; chance loss ${Math.log(cfg.vocab).toFixed(3)}`);
      const every = Math.max(1, Math.round(o.steps / 12));
      let t0 = performance.now();
      for (let step = 1; step <= o.steps; step++) {
        const { loss, acc } = torch.tidy(() => {
          const { x, y } = batch(cfg, o.batch);
          opt.zeroGrad();
          const logits = model.forward(x);
          const l = F.crossEntropy(logits.view(-1, cfg.vocab), y.view(-1));
          l.backward();
          torch.clipGradNorm_(model.parameters(), 1.0);
          opt.step();
          sched.step();
          // Accuracy on the second half of each sequence, where b can be inferred from the context.
          const half = cfg.seqLen / 2;
          const correct = logits.narrow(1, half, half).argmax(-1).eq(y.narrow(1, half, half)).float().mean();
          return { loss: l.item(), acc: correct.item() };
        });
        if (step === 1 || step % every === 0 || step === o.steps) {
          const ms = (performance.now() - t0) / (step === 1 ? 1 : every);
          console.log(`step ${String(step).padStart(4)}  loss ${loss.toFixed(4)}  accuracy(late tokens) ${(acc * 100).toFixed(1).padStart(5)}%  ${ms.toFixed(1)} ms/step`);
          t0 = performance.now();
        }
      }
      opt.dispose();
      model.dispose();
    });
}
