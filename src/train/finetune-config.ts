/**
 * Fine-tuning configuration (`configs/finetune/<method>.yaml`), validated with zod; the base and the
 * task usually come from the command line (`--base`, `--task`) and override the file.
 */
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';
import { applyOverride, commonTrainFields, modelOverridesSchema, threadsSchema } from './config.ts';
import '../adapt/index.ts'; // registers the built-in methods
import { parseMethodConfig } from '../adapt/registry.ts';

const positiveInt = z.number().int().positive();

export const finetuneSchema = z
  .object({
    /** Run folder name under outDir (default: <method>-<task>). */
    name: z.string().min(1).optional(),
    seed: z.number().int().nonnegative().default(42),
    outDir: z.string().default('runs/finetune'),
    assets: z.string().optional(),
    /** The pre-trained model: a run folder or a checkpoint folder. */
    base: z.string().min(1),
    /** The new task. */
    task: z.string().min(1),
    /** The adaptation method and its settings: `{ name: lora, rank: 8, ... }` (see `l2m finetune --help`). */
    method: z.record(z.string(), z.unknown()),
    model: modelOverridesSchema,
    data: z
      .object({
        /** Folder holding <task>.npz. */
        dir: z.string(),
      })
      .strict(),
    train: z
      .object({
        steps: positiveInt,
        /** lr is constant here (the original: 1e-4, no warm-up, no schedule). */
        ...commonTrainFields,
      })
      .strict(),
    eval: z
      .object({
        /** Updates between evaluations on the new task (0: only at the end); the original: 10 episodes every 10K. */
        every: z.number().int().nonnegative().default(0),
        episodes: positiveInt.default(10),
        /** Pre-training tasks (names or sets) evaluated at the end, beside the base's own score. */
        retention: z.array(z.string()).default([]),
        retentionEpisodes: positiveInt.optional(),
        /** Environment seed of the final evaluation (episode j: seed + j), the same for the base. */
        seed: z.number().int().nonnegative().default(1000),
        workers: z.number().int().nonnegative().optional(),
        concurrentEnvs: positiveInt.optional(),
        /** Cut episodes at this many steps (tests; results are then not comparable with the protocol's). */
        maxEpisodeSteps: positiveInt.optional(),
      })
      .strict()
      .default({} as never),
    threads: threadsSchema,
  })
  .strict();

export type FinetuneConfig = z.infer<typeof finetuneSchema> & { name: string };

export function parseFinetuneConfig(raw: unknown, where = 'config'): FinetuneConfig {
  const r = finetuneSchema.safeParse(raw);
  if (!r.success) throw new Error(`${where}: invalid config:\n` + r.error.issues.map((i) => `  - ${i.path.join('.') || '(root)'}: ${i.message}`).join('\n'));
  const { name: methodName } = parseMethodConfig(r.data.method, `${where}: method`);
  const task = r.data.task.replace(/-v2$/, '');
  return { ...r.data, name: r.data.name ?? `${methodName}-${task}` };
}

type Mapping = Record<string, unknown>;
const isMapping = (v: unknown): v is Mapping => v !== null && typeof v === 'object' && !Array.isArray(v);

/** `b` over `a`, mappings merged key by key (lists and scalars replaced). */
function deepMerge(a: Mapping, b: Mapping): Mapping {
  const out: Mapping = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = isMapping(v) && isMapping(out[k]) ? deepMerge(out[k] as Mapping, v) : v;
  return out;
}

/**
 * Reads a YAML mapping; `extends: other.yaml` (relative to the file) reads that one first and lays
 * this file's keys over it, so the per-method configs share one file of common settings.
 */
export function readYamlMapping(file: string, seen: string[] = []): Mapping {
  const abs = path.resolve(file);
  if (seen.includes(abs)) throw new Error(`${file}: 'extends' loops (${[...seen, abs].join(' -> ')})`);
  if (!fs.existsSync(abs)) throw new Error(`config file not found: ${abs}`);
  let raw: unknown;
  try {
    raw = YAML.parse(fs.readFileSync(abs, 'utf8'));
  } catch (err) {
    throw new Error(`${file}: malformed YAML (${(err as Error).message})`);
  }
  if (!isMapping(raw)) throw new Error(`${file}: expected a YAML mapping at the top level`);
  const { extends: parent, ...rest } = raw;
  if (parent === undefined) return rest;
  if (typeof parent !== 'string') throw new Error(`${file}: 'extends' must be a file name`);
  return deepMerge(readYamlMapping(path.join(path.dirname(abs), parent), [...seen, abs]), rest);
}

/** Reads the YAML file, sets `base`/`task` from the command line when given, applies key=value overrides, validates. */
export function loadFinetuneConfig(file: string, opts: { base?: string; task?: string; overrides?: string[] } = {}): FinetuneConfig {
  const obj = readYamlMapping(file);
  if (opts.base) obj.base = opts.base;
  if (opts.task) obj.task = opts.task;
  for (const o of opts.overrides ?? []) applyOverride(obj, o);
  return parseFinetuneConfig(obj, file);
}
