/**
 * Continual-learning configuration (`configs/continual/<sequence>-<method>.yaml`), validated with zod.
 * The protocol is L2M's offline Continual World (l2m-spec.md sections 3-5, docs/continual.md): the tasks
 * of `sequence` one after another, `train.stepsPerTask` updates each on that task's data only, one
 * optimiser kept across tasks, every task evaluated at update 0, every `eval.every` updates and at the
 * end of each phase. `mode: multitask` is the upper bound: all tasks jointly, the same total updates.
 */
import { z } from 'zod';
import { applyOverride, commonTrainFields, modelOverridesSchema, trainIdentity } from './config.ts';
import { stableJson } from '../data/episode-writer.ts';
import { readYamlMapping } from './finetune-config.ts';
import '../adapt/index.ts'; // registers the built-in methods
import { parseMethodConfig } from '../adapt/registry.ts';

const positiveInt = z.number().int().positive();

export const continualSchema = z
  .object({
    /** Run folder name under outDir (default: <sequence>-<method>, or <sequence>-multitask). */
    name: z.string().min(1).optional(),
    seed: z.number().int().nonnegative().default(42),
    outDir: z.string().default('runs/continual'),
    assets: z.string().optional(),
    /** The pre-trained model: a run folder or a checkpoint folder. */
    base: z.string().min(1),
    /**
     * The tasks in order: a set name (CW10, DMC6), sets and tasks joined by '+' or ',' (CW10+DMC6), or
     * a list of task and set names. A task may appear once.
     */
    sequence: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).default('CW10'),
    /** sequential: one task after another (the continual protocol); multitask: all tasks jointly (the upper bound). */
    mode: z.enum(['sequential', 'multitask']).default('sequential'),
    /** The adaptation method and its settings: `{ name: ewc, ... }` (see `l2m adapt methods`). */
    method: z.record(z.string(), z.unknown()),
    model: modelOverridesSchema,
    data: z
      .object({
        /** Folder holding <task>.npz of the Meta-World tasks (and of DMControl tasks unless dmcDir is set). */
        dir: z.string(),
        /** Folder holding <task>.npz of the DMControl tasks. */
        dmcDir: z.string().optional(),
      })
      .strict(),
    train: z
      .object({
        /** Updates per task (the original: 100K); multi-task runs make stepsPerTask x tasks updates. */
        stepsPerTask: positiveInt,
        /** batchSize, lr (constant: the original's code 1e-4, the paper 5e-5 for CW), AdamW, clipping, logging, checkpoints. */
        ...commonTrainFields,
        /** A fresh optimiser at every task switch (the original keeps one: reset_optim_on_switch=False). */
        resetOptimizer: z.boolean().default(false),
      })
      .strict(),
    eval: z
      .object({
        /** Updates between evaluations (0: only at update 0 and at the end of each phase); the original: 50K. */
        every: z.number().int().nonnegative().default(50_000),
        /** Episodes per task per evaluation (the original: 5). */
        episodes: positiveInt.default(5),
        /** Evaluations averaged for a task's score at the end of a phase (Continual World: 5; L2M: the last one). */
        lastK: positiveInt.default(1),
        /** Environment seed of every evaluation (episode j of a task: seed + j), so all evaluations see the same episodes. */
        seed: z.number().int().nonnegative().default(1000),
        /** Pre-training tasks (names or sets) evaluated at the end, beside the base's score on the same episodes. */
        retention: z.array(z.string()).default([]),
        retentionEpisodes: positiveInt.optional(),
        /** Folder of the base's cached scores (default <outDir>/.base-scores; share finetune's with runs/finetune/.base-scores). */
        baseScoreCache: z.string().optional(),
        /** Episode length other than the domain's (tests only: results are not comparable). */
        maxEpisodeSteps: positiveInt.optional(),
        workers: z.number().int().nonnegative().optional(),
        concurrentEnvs: positiveInt.optional(),
      })
      .strict()
      .prefault({}),
    /**
     * Pre-training keys (l2m / l2m-ia3 with `method.pretrainKeys: n`): a phase before the first task in
     * which only the method's pre-training keys train (the pool frozen, every window unmodulated), on
     * windows of pre-training tasks, with the key-pull loss; see src/adapt/pool.ts and docs/l2m.md.
     */
    pretrainKeys: z
      .object({
        /** Updates of the phase (not counted in the protocol's updates). */
        steps: positiveInt,
        /** Pre-training tasks (names or sets) whose windows train the keys. */
        tasks: z.array(z.string().min(1)).min(1).default(['MT40']),
        /** Folder holding their <task>.npz (Meta-World, and DMControl unless dmcDataDir is set). */
        dataDir: z.string().min(1),
        /** Folder holding the DMControl ones. */
        dmcDataDir: z.string().min(1).optional(),
        /** Batch size (default train.batchSize). */
        batchSize: positiveInt.optional(),
        /** Constant learning rate of the keys' own AdamW (default train.lr). */
        lr: z.number().positive().optional(),
      })
      .strict()
      .optional(),
    /** Single-task reference runs for forward transfer: `l2m finetune` run folders with train.steps = stepsPerTask. */
    reference: z
      .object({ runs: z.array(z.string()).default([]) })
      .strict()
      .prefault({}),
    threads: z
      .object({ intraOp: positiveInt.optional(), blas: positiveInt.optional() })
      .strict()
      .prefault({}),
  })
  .strict();

export type ContinualConfig = z.infer<typeof continualSchema> & { name: string };

/** A short name for the sequence in run names: 'cw10', 'cw10+dmc6', or '<n>tasks' for a list. */
export function sequenceLabel(sequence: string | string[]): string {
  if (typeof sequence === 'string') return sequence.toLowerCase().replace(/,/g, '+').replace(/[^a-z0-9+_-]/g, '');
  if (sequence.length === 1) return sequenceLabel(sequence[0]!);
  return `${sequence.length}tasks`;
}

export function parseContinualConfig(raw: unknown, where = 'config'): ContinualConfig {
  const r = continualSchema.safeParse(raw);
  if (!r.success) throw new Error(`${where}: invalid config:\n` + r.error.issues.map((i) => `  - ${i.path.join('.') || '(root)'}: ${i.message}`).join('\n'));
  const { name: methodName, config: methodConfig } = parseMethodConfig(r.data.method, `${where}: method`);
  const keys = (methodConfig as { pretrainKeys?: unknown }).pretrainKeys;
  if (r.data.pretrainKeys && typeof keys !== 'number') {
    throw new Error(`${where}: invalid config:\n  - pretrainKeys: the '${methodName}' method has no pre-training keys to learn (set method.pretrainKeys: n on l2m or l2m-ia3, or remove pretrainKeys)`);
  }
  if (typeof keys === 'number' && !r.data.pretrainKeys) {
    throw new Error(`${where}: invalid config:\n  - pretrainKeys: method.pretrainKeys (${keys} keys) needs the phase that learns them before the first task: pretrainKeys: { steps, tasks: [MT40], dataDir } (untrained keys would be matched at evaluation)`);
  }
  if (r.data.pretrainKeys && r.data.mode === 'multitask') throw new Error(`${where}: invalid config:\n  - pretrainKeys: only sequential runs learn pre-training keys`);
  const label = sequenceLabel(r.data.sequence);
  return { ...r.data, name: r.data.name ?? `${label}-${r.data.mode === 'multitask' ? 'multitask' : methodName}` };
}

/** Reads the YAML file (with `extends`), applies key=value overrides, validates. */
export function loadContinualConfig(file: string, opts: { overrides?: string[] } = {}): ContinualConfig {
  const obj = readYamlMapping(file);
  for (const o of opts.overrides ?? []) applyOverride(obj, o);
  return parseContinualConfig(obj, file);
}

/**
 * What may change when a run is resumed: where and how fast it evaluates, the retention tasks and the
 * forward-transfer references (they do not change training or the evaluations already made).
 */
export function resumableView(c: ContinualConfig): string {
  const { workers: _w, concurrentEnvs: _c, retention: _r, retentionEpisodes: _re, baseScoreCache: _b, ...evalRest } = c.eval;
  // Key order does not matter (a config.json written by another version lists its keys in another order).
  return stableJson({ ...c, assets: undefined, threads: undefined, reference: undefined, train: trainIdentity(c.train), eval: evalRest });
}
