/**
 * Pre-training configuration: a YAML file validated with zod, plus `key=value` overrides on dotted
 * paths (`train.steps=200 model.nLayer=2`), values parsed as YAML scalars.
 */
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';
import { modelSchema } from '../model/config.ts';

const positiveInt = z.number().int().positive();

/**
 * Training fields every loop shares (pre-training, fine-tuning, continual): batch, accumulation,
 * AdamW (weight decay on Linear weight matrices only, as the original), clipping, logging, checkpoints.
 */
export const commonTrainFields = {
  /** Windows per batch (per domain batch when several domains alternate). */
  batchSize: positiveInt.default(256),
  /** Batches per optimiser update (2 in the original's pre-training: one Meta-World + one DMControl batch). */
  accumulation: positiveInt.default(1),
  lr: z.number().positive().default(1e-4),
  /** AdamW weight decay, applied to Linear weight matrices only (not biases, LayerNorms or embeddings), as the original. */
  weightDecay: z.number().nonnegative().default(0.01),
  betas: z.tuple([z.number().min(0).lt(1), z.number().min(0).lt(1)]).default([0.9, 0.999]),
  gradClip: z.number().positive().default(0.25),
  logEvery: positiveInt.default(50),
  checkpointEvery: positiveInt.default(1000),
  /** Where the run trains and evaluates: cpu, cuda or cuda:N (a CUDA build of libtorch; src/train/run-device.ts). */
  device: z.string().regex(/^(cpu|cuda(:\d+)?)$/, "must be 'cpu', 'cuda' or 'cuda:N'").default('cpu'),
  /** fp32; bf16 (autocast to bfloat16, CPU or GPU); fp16 (autocast to float16 with loss scaling, GPU only: the original's AMP). */
  precision: z.enum(['fp32', 'bf16', 'fp16']).default('fp32'),
};

/**
 * The training fields that make a run what it is, compared on --resume: the device may change (a run
 * started on one machine can continue on another, then no longer bit for bit), and fields added since
 * a run's config.json was written take their defaults.
 */
export function trainIdentity(train: Record<string, unknown>): Record<string, unknown> {
  const { device: _device, ...rest } = train;
  return { precision: 'fp32', ...rest };
}

/** Thread settings of a run (default: the measured best, src/torch/native.ts). */
export const threadsSchema = z
  .object({ intraOp: positiveInt.optional(), blas: positiveInt.optional() })
  .strict()
  .default({} as never);

/**
 * What an adaptation run (fine-tuning, continual) may change in the base's model configuration: only
 * training settings that hold no parameters, so the base's checkpoint loads unchanged.
 */
export const modelOverridesSchema = z
  .object({
    /** Dropout while adapting (default: the base's own rate). The original fine-tunes at 0.1, GPT-2's rate. */
    dropout: z.number().min(0).lt(1).optional(),
  })
  .strict()
  .default({} as never);

export const pretrainSchema = z
  .object({
    name: z.string().min(1).default('pretrain'),
    seed: z.number().int().nonnegative().default(42),
    /** Where runs go: <outDir>/<name>. */
    outDir: z.string().default('runs'),
    /** MuJoCo asset directory (default: L2M_ASSETS or ../shared/assets). */
    assets: z.string().optional(),
    model: modelSchema.default({} as never),
    data: z
      .object({
        /** Folder holding <task>.npz datasets (`l2m data collect --out` / `l2m data import --out`). */
        dir: z.string(),
        /** Folder of the DMControl tasks' datasets (default: dir). */
        dmcDir: z.string().min(1).optional(),
        /** Task names and set names (MT40, DMC10, ...). */
        tasks: z.array(z.string()).min(1),
        /**
         * Standardise states per domain with the training data's mean and std (the original's `norm_obs`;
         * off in the paper's run). Saved with the checkpoint and applied again at evaluation.
         */
        normalizeStates: z.boolean().default(false),
      })
      .strict(),
    train: z
      .object({
        /** Optimiser updates. The original counts batches: 1M batches at accumulation 2 = 500K updates. */
        steps: positiveInt,
        ...commonTrainFields,
        /** Final learning rate of the cosine decay (eta_min). */
        minLr: z.number().nonnegative().default(1e-6),
        warmupSteps: z.number().int().nonnegative().default(4000),
      })
      .strict(),
    eval: z
      .object({
        /** Optimiser updates between evaluations (0: only at the end). */
        every: z.number().int().nonnegative().default(0),
        episodes: positiveInt.default(3),
        /** Tasks to evaluate (default: the training tasks). */
        tasks: z.array(z.string()).optional(),
        workers: z.number().int().nonnegative().optional(),
        /** Episodes run at once per domain (default 64); more run in rounds. */
        concurrentEnvs: positiveInt.optional(),
        /** Evaluate at the end of training. */
        atEnd: z.boolean().default(true),
        /**
         * DMControl's data-normalised score with R_data = our own data's mean return, read from this
         * DMControl data folder or `l2m data stats --json` file (default: the original's data means).
         */
        dmcDataMeans: z.string().min(1).optional(),
      })
      .strict()
      .default({} as never),
    threads: threadsSchema,
  })
  .strict();

export type PretrainConfig = z.infer<typeof pretrainSchema>;

/** Sets `dotted.path=value` in a plain object (creating objects on the way); the value is parsed as YAML. */
export function applyOverride(target: Record<string, unknown>, assignment: string): void {
  const eq = assignment.indexOf('=');
  if (eq <= 0) throw new Error(`override '${assignment}' is not of the form key=value`);
  const keys = assignment.slice(0, eq).split('.');
  const value: unknown = YAML.parse(assignment.slice(eq + 1));
  let obj = target;
  for (const k of keys.slice(0, -1)) {
    const next = obj[k];
    if (next === undefined || next === null) obj[k] = {};
    else if (typeof next !== 'object' || Array.isArray(next)) throw new Error(`override '${assignment}': '${k}' is not a section`);
    obj = obj[k] as Record<string, unknown>;
  }
  obj[keys[keys.length - 1]!] = value;
}

function formatIssues(err: z.ZodError, where: string): string {
  return `${where}: invalid config:\n` + err.issues.map((i) => `  - ${i.path.join('.') || '(root)'}: ${i.message}`).join('\n');
}

/** Parses a config object (after overrides) or throws an error listing every bad key. */
export function parsePretrainConfig(raw: unknown, where = 'config'): PretrainConfig {
  const r = pretrainSchema.safeParse(raw);
  if (!r.success) throw new Error(formatIssues(r.error, where));
  return r.data;
}

/** Reads a YAML config file, applies overrides, validates. */
export function loadPretrainConfig(file: string, overrides: string[] = []): PretrainConfig {
  if (!fs.existsSync(file)) throw new Error(`config file not found: ${path.resolve(file)}`);
  let raw: unknown;
  try {
    raw = YAML.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file}: malformed YAML (${(err as Error).message})`);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new Error(`${file}: expected a YAML mapping at the top level`);
  for (const o of overrides) applyOverride(raw as Record<string, unknown>, o);
  return parsePretrainConfig(raw, file);
}
