/**
 * The demo pipeline on small defaults: collect scripted-expert data for a handful of Meta-World
 * tasks (skipped when the datasets exist), pre-train a small Decision Transformer, evaluate it with
 * return-conditioned rollouts, and write the results table and plots into the run folder.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { collectTasks } from '../data/collect-tasks.ts';
import { finalPath } from '../data/episode-writer.ts';
import { readDatasetMeta } from '../data/dataset.ts';
import { resolveTasks } from '../envs/registry.ts';
import { parsePretrainConfig, type PretrainConfig } from '../train/config.ts';
import { pretrain, type PretrainHooks, type PretrainResult } from '../train/pretrain.ts';
import { lossCurveSvg, taskScoresSvg } from '../eval/plots.ts';
import { markdownTable } from '../eval/report.ts';
import { writeFileAtomic } from '../torch/atomic-write.ts';
import { parseNoiseSchedule } from '../data/noise-schedule.ts';
import type { ActionLabels } from '../data/collect-policy.ts';

export interface DemoOptions {
  tasks: string[];
  episodes: number;
  /** Scripted-expert noise schedule of the collected data (a preset name or JSON knots, as `l2m data collect`). */
  noiseSchedule: string;
  /** Which actions the datasets store: the executed (noisy) ones or the expert's own (DART), as `l2m data collect --labels`. */
  labels: ActionLabels;
  updates: number;
  evalEpisodes: number;
  dataDir: string;
  outDir: string;
  name: string;
  seed: number;
  /** Start a new run even if one exists (otherwise an interrupted demo resumes). */
  fresh?: boolean;
}

export const DEMO_DEFAULTS: DemoOptions = {
  tasks: ['drawer-open-v2', 'door-close-v2', 'button-press-topdown-v2'],
  episodes: 50,
  noiseSchedule: 'noisy-expert',
  labels: 'executed',
  updates: 4000,
  evalEpisodes: 10,
  dataDir: 'data/demo-noisy-expert',
  outDir: 'runs',
  name: 'demo',
  seed: 0,
};

export function demoConfig(o: DemoOptions, tasks: string[]): PretrainConfig {
  return parsePretrainConfig(
    {
      name: o.name,
      seed: o.seed,
      outDir: o.outDir,
      // The small-model settings of configs/small-mt10.yaml (docs/pretraining.md says why).
      model: { nLayer: 2, nHead: 4, dModel: 128, dropout: 0.1, contextLength: 5, maxEpisodeLength: 1000, actionPositionEmbedding: true },
      data: { dir: o.dataDir, tasks, normalizeStates: true },
      train: { steps: o.updates, batchSize: 64, lr: 1e-3, minLr: 1e-5, warmupSteps: Math.min(200, Math.floor(o.updates / 10)), weightDecay: 0.01, gradClip: 0.25, logEvery: 20, checkpointEvery: 200 },
      eval: { every: 0, episodes: o.evalEpisodes, atEnd: true },
    },
    'demo settings',
  );
}

export interface DemoHooks extends PretrainHooks {
  onStage?(stage: string): void;
  onCollectEpisode?(task: string, episode: number, total: number): void;
}

export async function runDemo(o: DemoOptions, hooks: DemoHooks = {}): Promise<{ result: PretrainResult; files: string[] }> {
  const tasks = await resolveTasks(o.tasks);
  const schedule = parseNoiseSchedule(o.noiseSchedule);
  for (const t of tasks.filter((t) => fs.existsSync(finalPath(o.dataDir, t)))) {
    const settings = readDatasetMeta(finalPath(o.dataDir, t)).collector.settings;
    if (JSON.stringify(settings.schedule) !== JSON.stringify(schedule)) {
      throw new Error(`${finalPath(o.dataDir, t)} was collected with another noise schedule than '${o.noiseSchedule}': pass --data <another folder>, or delete it`);
    }
    if ((settings.labels ?? 'executed') !== o.labels) {
      throw new Error(`${finalPath(o.dataDir, t)} stores ${String(settings.labels ?? 'executed')} actions, not ${o.labels} ones (--labels): pass --data <another folder>, or delete it`);
    }
  }
  const missing = tasks.filter((t) => !fs.existsSync(finalPath(o.dataDir, t)));
  if (missing.length > 0) {
    hooks.onStage?.(`collecting ${o.episodes} scripted-expert episodes (noise schedule '${o.noiseSchedule}', ${o.labels} actions stored) for ${missing.join(', ')} into ${o.dataDir}`);
    const run = await collectTasks(missing, {
      out: o.dataDir,
      episodes: o.episodes,
      seed: o.seed,
      resume: true,
      policy: { kind: 'scripted', schedule, labels: o.labels },
      workers: Math.max(1, Math.min(missing.length, os.availableParallelism())),
      onEpisode: (e) => hooks.onCollectEpisode?.(e.task, e.episode + 1, o.episodes),
    });
    if (run.failures.length > 0) throw new Error(`data collection failed: ${run.failures.map((f) => `${f.task}: ${f.error}`).join('; ')}`);
  } else {
    hooks.onStage?.(`using the datasets in ${o.dataDir}`);
  }
  const cfg = demoConfig(o, tasks);
  const runDir = path.resolve(o.outDir, o.name);
  if (o.fresh) fs.rmSync(runDir, { recursive: true, force: true });
  const resume = fs.existsSync(path.join(runDir, 'config.json'));
  if (resume && fs.readFileSync(path.join(runDir, 'config.json'), 'utf8') !== JSON.stringify(cfg, null, 2) + '\n') {
    throw new Error(`${runDir} holds a run with other settings: pass --fresh to start it over, or --name <another name>`);
  }
  hooks.onStage?.(`${resume ? 'resuming' : 'pre-training'} a ${cfg.model.nLayer}-layer, width-${cfg.model.dModel} Decision Transformer for ${o.updates} updates (batch ${cfg.train.batchSize}) in ${runDir}`);
  const result = await pretrain(cfg, { resume, hooks });
  const files: string[] = [];
  const csv = fs.readFileSync(path.join(runDir, 'train.csv'), 'utf8').trim().split('\n').slice(1);
  const points = csv.map((l) => l.split(',').map(Number)).map(([update, loss, lr]) => ({ update: update!, loss: loss!, lr: lr! }));
  const lossFile = path.join(runDir, 'loss.svg');
  writeFileAtomic(lossFile, await lossCurveSvg(points));
  files.push(lossFile);
  if (result.evaluation) {
    const table = path.join(runDir, 'results.md');
    writeFileAtomic(table, `# Demo results\n\n${o.evalEpisodes} episodes per task, success read at the final step (as the original).\n\n` + markdownTable(result.evaluation));
    const bars = path.join(runDir, 'scores.svg');
    writeFileAtomic(bars, await taskScoresSvg(result.evaluation, 'demo: success rate per task'));
    files.push(table, bars);
  }
  return { result, files };
}
