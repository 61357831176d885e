/** `l2m finetune` (adapt a pre-trained model to a new task with a method) and `l2m adapt` (methods, merge). */
import fs from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import cliProgress from 'cli-progress';
import * as torch from '../torch/index.ts';
import '../adapt/index.ts';
import { methodEntry, methodNames } from '../adapt/registry.ts';
import { loadAdapter, readAdapterMeta } from '../adapt/checkpoint.ts';
import { loadDecisionTransformer, readModelMeta, findCheckpointDir } from '../model/load.ts';
import { loadFinetuneConfig } from '../train/finetune-config.ts';
import { finetune, resultsMarkdown } from '../train/finetune.ts';
import { textTable } from '../eval/report.ts';
import { setAssetDir } from '../envs/mujoco.ts';

function methodList(): string {
  return methodNames()
    .map((n) => `  ${n.padEnd(12)} ${methodEntry(n).description}`)
    .join('\n');
}

export function finetuneCommand(): Command {
  return new Command('finetune')
    .description('adapt a pre-trained Decision Transformer to a new task with an adaptation method (configs/finetune/<method>.yaml)')
    .requiredOption('--config <yaml>', 'fine-tuning config (YAML); its `method:` section names the method')
    .option('--base <path>', 'the pre-trained run or checkpoint folder (overrides `base:`)')
    .option('--task <name>', 'the new task (overrides `task:`)')
    .argument('[overrides...]', 'key=value overrides on dotted config paths, e.g. train.steps=2000 method.rank=4')
    .option('--resume', 'continue the run in <outDir>/<name> from its last checkpoint')
    .option('--assets <dir>', 'MuJoCo asset directory')
    .option('--quiet', 'no progress bar')
    .addHelpText('after', `\nMethods:\n${methodList()}`)
    .action(async (overrides: string[], o: { config: string; base?: string; task?: string; resume?: boolean; assets?: string; quiet?: boolean }) => {
      if (o.assets) setAssetDir(o.assets);
      const cfg = loadFinetuneConfig(o.config, { base: o.base, task: o.task, overrides });
      const bar = o.quiet || !process.stderr.isTTY ? null : new cliProgress.SingleBar({ format: 'finetune |{bar}| {value}/{total} updates | loss {loss} | {eta_formatted} left', etaBuffer: 50 }, cliProgress.Presets.shades_classic);
      let lastPrint = 0;
      const r = await finetune(cfg, {
        resume: o.resume,
        hooks: {
          onLog: (line) => console.log(line),
          onUpdate: (u, total, loss) => {
            if (bar) {
              if (u === 1 || !bar.getTotal()) bar.start(total, u, { loss: loss.toFixed(4) });
              bar.update(u, { loss: loss.toFixed(4) });
            } else if (u === total || performance.now() - lastPrint > 10_000) {
              lastPrint = performance.now();
              console.log(`update ${u}/${total}  loss ${loss.toFixed(4)}`);
            }
          },
          onEvalStart: (u, what) => {
            bar?.stop();
            console.log(`evaluating ${what} at update ${u} ...`);
          },
          onEval: (u, report) => {
            console.log(textTable(report));
            if (bar && u < cfg.train.steps) bar.start(cfg.train.steps, u, { loss: '-' });
          },
        },
      });
      bar?.stop();
      console.log('\n' + resultsMarkdown(r));
    });
}

export function adaptCommand(): Command {
  const cmd = new Command('adapt').description('adaptation methods: list them, inspect an adapter, fold one into its base');
  cmd
    .command('methods')
    .description('list the registered adaptation methods')
    .action(() => console.log(methodList()));
  cmd
    .command('merge')
    .description('fold a LoRA or (IA)3 adapter into the base weights: a plain checkpoint that acts identically')
    .requiredOption('--base <path>', 'the pre-trained run or checkpoint folder the adapter was trained on')
    .requiredOption('--adapter <dir>', 'the adapter folder (a fine-tuning run folder, or its adapter/)')
    .requiredOption('--out <dir>', 'where to write the merged checkpoint (must not exist)')
    .action((o: { base: string; adapter: string; out: string }) => {
      const adapterDir = fs.existsSync(path.join(o.adapter, 'adapter', 'adapter.json')) ? path.join(o.adapter, 'adapter') : o.adapter;
      const meta = readAdapterMeta(adapterDir);
      if (fs.existsSync(o.out)) throw new Error(`${path.resolve(o.out)} already exists: choose another --out`);
      const baseDir = findCheckpointDir(o.base);
      const { stateNorm } = readModelMeta(baseDir);
      const { model } = loadDecisionTransformer(o.base);
      try {
        const method = loadAdapter(adapterDir, model);
        if (!method.merge) throw new Error(`the '${meta.method.name}' method cannot be merged into the base weights (only LoRA and (IA)3 can)`);
        method.merge(model);
        delete model.adapt;
        model.unfreeze();
        torch.saveCheckpointAtomic(o.out, { model, meta: { model: model.cfg, update: 0, mergedFrom: { base: baseDir, adapter: path.resolve(adapterDir), method: meta.method }, ...(stateNorm ? { stateNorm: stateNorm.toJSON() } : {}) } });
        console.log(`merged ${meta.method.name} into ${baseDir}: ${path.resolve(o.out)}`);
      } finally {
        model.dispose();
      }
    });
  return cmd;
}
