/**
 * Acting speed: environment steps per second of a Decision Transformer driving a batch of Meta-World
 * environments, with the key/value cache vs the original's one full pass per action dimension.
 *
 *   npx tsx bench/dt-act.ts [--envs 16] [--steps 100] [--task push-v2] [--workers 0]
 */
import { parseArgs } from 'node:util';
import * as torch from '../src/torch/index.ts';
import { DecisionTransformer, PAPER_CONFIG, type DTConfig } from '../src/model/decision-transformer.ts';
import { evaluate } from '../src/eval/evaluate.ts';
import { printBlasCore } from './blas-core.ts';

const { values: args } = parseArgs({ options: { envs: { type: 'string', default: '16' }, steps: { type: 'string', default: '100' }, task: { type: 'string', default: 'push-v2' }, size: { type: 'string', default: 'small' }, workers: { type: 'string', default: '0' } } });
const cfg: DTConfig = args.size === 'paper' ? PAPER_CONFIG : { ...PAPER_CONFIG, nLayer: 3, nHead: 4, dModel: 128, dInner: 512 };
torch.manualSeed(0);
const model = new DecisionTransformer(cfg);
const run = async (cached: boolean): Promise<number> => {
  const r = await evaluate(model, { tasks: [args.task!], episodes: Number(args.envs), maxEpisodeSteps: Number(args.steps), workers: Number(args.workers), cached });
  return r.envSteps / r.seconds;
};
await run(true); // warm-up (JIT, allocator)
const cached = await run(true);
const full = await run(false);
console.log(`${args.task} x ${args.envs} envs, ${args.steps} steps, ${args.size} model (${cfg.nLayer} layers, width ${cfg.dModel})`);
printBlasCore();
console.log(`  key/value cache          ${cached.toFixed(0)} env steps/s`);
console.log(`  full pass per dimension  ${full.toFixed(0)} env steps/s`);
console.log(`  speed-up: ${(cached / full).toFixed(2)}x`);
