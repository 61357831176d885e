/**
 * EWC and L2, the regularisation baselines of continual runs (l2m-spec.md section 3; the original's
 * `decision_transformer_with_ewc_sb3.py`, itself after Avalanche's EWC plugin). The base trains as in
 * sequential full fine-tuning (or only the parameters `trainable` names), and every update's loss gets
 *
 *     penalty = lambda * sum over finished tasks t, over trained parameters p, of F_t,p * (theta_p - theta*_t,p)^2
 *
 * with no factor 1/2 (the original returns `ewc_lambda * sum(imp * (cur - saved)^2)`), lambda = 400.
 *
 * - F_t (EWC): at the end of task t, the mean over `fisherBatches` (10) batches of that task's data of
 *   the squared gradient of the batch's loss: `model.loss`, the mean cross-entropy over the batch's
 *   real action tokens (one gradient per batch, not per sample: the original's empirical Fisher),
 *   computed in training mode (dropout on, as the original's `policy.train()`). The dropout masks come
 *   from libtorch's generator as the caller left it: a loop seeds it before endTask (as it seeds each
 *   update through trainStep's `seed`), so that a resumed run draws the same masks.
 *   `fisherLoss: loss+penalty` adds the penalty of the tasks before t to that loss, which is what the
 *   original code does (its Fisher pass calls its own `compute_policy_loss`, which adds the penalty
 *   from the second task on).
 * - F_t (L2): 1 everywhere.
 * - theta*_t: the parameters at the end of task t.
 * - `previousTasks: all` (the default, "ewc_mode separate"): one term per finished task.
 *   `previousTasks: last`: only the last finished task's term. This is what the original code computes
 *   in effect: with `keep_importance_data=False` it deletes every anchor but the last, and its
 *   separate-mode sum zips the deleted (empty) anchors away.
 *
 * Storage. The sum of per-task quadratics is itself one quadratic per entry:
 *     sum_t F_t (theta - theta*_t)^2 = A (theta - m)^2 + c,
 *     A = sum_t F_t,  m = sum_t F_t theta*_t / A,  c = sum_t F_t (theta*_t - m)^2,
 * so the method keeps three tensors per trained parameter, whatever the number of finished tasks,
 * as persistent buffers of `model.adapt` (`adapt.importance.<name>` = A, `adapt.anchor.<name>` = m,
 * `adapt.offset.<name>` = c). They are in the model's state dict and in adapter checkpoints, exist from
 * `inject` on (zeros), and a task's end folds its (F, theta*) in with the weighted-mean update
 * (m' = m + F/A' (theta* - m), c' = c + A (m - m')^2 + F (theta* - m')^2), which is exact and stable:
 * the penalty and its gradient 2 lambda A (theta - m) equal the per-task sum up to float rounding.
 * `state()` holds the indices of the finished tasks (restore it before training resumes).
 *
 * Continual loop: `endTask(model, task, data)` at the end of each task, with the generator seeded (it
 * draws `fisherBatches` batches from `data` for EWC, none for L2, and clears the gradients); the shared
 * `trainStep` adds the penalty. No beginTask, retraining or views. Resuming: load the model's tensors
 * (the buffers included), then `restore(state)`.
 */
import { z } from 'zod';
import * as torch from '../torch/index.ts';
import type { Tensor } from '../torch/index.ts';
import type { DecisionTransformer } from '../model/decision-transformer.ts';
import type { AdaptMethod, TaskData, TaskInfo } from './method.ts';
import { registerMethod } from './registry.ts';

const { nn } = torch;

const KINDS = ['importance', 'anchor', 'offset'] as const;
type Kind = (typeof KINDS)[number];

/** `model.adapt` of EWC / L2: per trained parameter, the buffers A (importance), m (anchor), c (offset). */
export class QuadraticAnchors extends nn.Module {
  constructor(readonly paramNames: readonly string[], shapes: readonly (readonly number[])[]) {
    super();
    paramNames.forEach((name, i) => {
      for (const kind of KINDS) this.registerBuffer(`${kind}.${name}`, torch.zeros([...shapes[i]!]));
    });
  }

  /** The buffer of `kind` for parameter `name` (read each time: `Module.to` replaces buffer tensors). */
  get(kind: Kind, name: string): Tensor {
    const t = (this as unknown as Record<string, unknown>)[`${kind}.${name}`];
    if (!(t instanceof torch.Tensor)) throw new Error(`no ${kind} buffer for ${name}`);
    return t;
  }
}

/**
 * The diagonal empirical Fisher of `params` on `batches` batches of `data`: the mean over batches of the
 * squared gradient of each batch's `model.loss` (plus `extra()`, when it gives a tensor). Training mode
 * during the pass (the model's mode is restored after); the gradients are cleared before and after.
 * Returns one tensor per parameter (the caller disposes them).
 */
export function fisherDiagonal(model: DecisionTransformer, params: readonly torch.nn.Parameter[], data: TaskData, batches: number, extra?: () => Tensor | undefined): Tensor[] {
  if (!Number.isInteger(batches) || batches < 1) throw new RangeError(`fisherDiagonal: batches must be a positive integer, got ${batches}`);
  const wasTraining = model.training;
  const acc = params.map((p) => torch.keep(torch.noGrad(() => torch.zerosLike(p))));
  model.train();
  try {
    for (let b = 0; b < batches; b++) {
      torch.tidy(() => {
        model.zeroGrad();
        const { x, actionMask } = data.nextBatch();
        let loss = model.loss(x, actionMask);
        const more = extra?.();
        if (more) loss = loss.add(more);
        loss.backward();
        torch.noGrad(() => {
          params.forEach((p, i) => {
            const g = p.grad;
            if (g !== null) acc[i]!.add_(g.square());
          });
        });
      });
    }
    torch.noGrad(() => {
      for (const a of acc) a.div_(batches);
    });
  } catch (err) {
    torch.dispose(acc);
    throw err;
  } finally {
    model.zeroGrad();
    model.train(wasTraining);
  }
  return acc;
}

const trainableField = z.union([z.literal('all'), z.array(z.string().min(1)).min(1)]).default('all');

const commonFields = {
  /** Strength of the penalty (the original's `ewc_lambda`). */
  lambda: z.number().nonnegative().default(400),
  /** Parameters the base trains (and that are regularised): 'all' (sequential full fine-tuning, as the original) or name globs ('blocks.*'). */
  trainable: trainableField,
  /** Which finished tasks the penalty anchors to: every one ('all', ewc_mode separate) or the last ('last', the original code's effect). */
  previousTasks: z.enum(['all', 'last']).default('all'),
};

export const ewcSchema = z
  .object({
    ...commonFields,
    /** Batches whose squared gradients are averaged into the Fisher at each task's end (`fisher_updates_per_step`). */
    fisherBatches: z.number().int().positive().default(10),
    /** The loss whose gradient is squared: the training loss ('loss') or the loss plus the current penalty ('loss+penalty', as the original code). */
    fisherLoss: z.enum(['loss', 'loss+penalty']).default('loss'),
  })
  .strict();
export type EwcConfig = z.infer<typeof ewcSchema>;

export const l2Schema = z.object(commonFields).strict();
export type L2Config = z.infer<typeof l2Schema>;

interface EwcState {
  /** Indices (in the sequence) of the tasks folded into the penalty, in order. */
  finished: number[];
}

function quadraticMethod<C extends L2Config>(name: 'ewc' | 'l2', config: C, fisher: EwcConfig | null): AdaptMethod<C> {
  let finished: number[] = [];
  let names: string[] = [];
  let params: torch.nn.Parameter[] = [];

  const anchors = (model: DecisionTransformer): QuadraticAnchors => {
    if (!(model.adapt instanceof QuadraticAnchors)) throw new Error(`${name}: the model has no ${name} buffers (attach the method first)`);
    return model.adapt;
  };

  const penalty = (model: DecisionTransformer): Tensor | undefined => {
    if (finished.length === 0 || config.lambda === 0) return undefined;
    const a = anchors(model);
    return torch.tidy(() => {
      const terms: Tensor[] = [];
      names.forEach((n, i) => {
        const d = params[i]!.sub(a.get('anchor', n));
        terms.push(a.get('importance', n).mul(d.square()).sum());
        if (config.previousTasks === 'all') terms.push(torch.noGrad(() => a.get('offset', n).sum()));
      });
      return torch.stack(terms).sum().mul(config.lambda);
    });
  };

  return {
    name,
    config,
    inject(model) {
      model.freeze();
      const patterns = config.trainable === 'all' ? ['*'] : config.trainable;
      for (const p of patterns) if (model.unfreeze(p).length === 0) throw new Error(`${name}: trainable pattern '${p}' matches no parameter`);
      const named = Array.from(model.namedParameters()).filter(([, p]) => p.requiresGrad);
      names = named.map(([n]) => n);
      params = named.map(([, p]) => p);
      model.adapt = new QuadraticAnchors(names, params.map((p) => p.shape));
    },
    penalty,
    endTask(model: DecisionTransformer, task: TaskInfo, data: TaskData) {
      if (finished.includes(task.index)) throw new Error(`${name}: task ${task.index} (${task.name}) has already ended`);
      if (finished.length > 0 && task.index < finished[finished.length - 1]!) throw new Error(`${name}: task ${task.index} (${task.name}) ends after task ${finished[finished.length - 1]}`);
      const a = anchors(model);
      let F: Tensor[];
      if (fisher) {
        F = fisherDiagonal(model, params, data, fisher.fisherBatches, fisher.fisherLoss === 'loss+penalty' ? () => penalty(model) : undefined);
      } else {
        F = params.map((p) => torch.keep(torch.noGrad(() => torch.onesLike(p))));
      }
      try {
        torch.noGrad(() =>
          names.forEach((n, i) =>
            torch.tidy(() => {
              const theta = params[i]!;
              const f = F[i]!;
              const A = a.get('importance', n);
              const m = a.get('anchor', n);
              const c = a.get('offset', n);
              if (config.previousTasks === 'last' || finished.length === 0) {
                A.copy_(f);
                m.copy_(theta);
                c.zero_();
                return;
              }
              const A2 = A.add(f);
              const w = f.div(A2).where(A2.gt(0), 1); // F / A' (1 where nothing is important: m' = theta*)
              const m2 = m.add(theta.sub(m).mul(w));
              c.add_(A.mul(m.sub(m2).square())).add_(f.mul(theta.sub(m2).square()));
              A.copy_(A2);
              m.copy_(m2);
            }),
          ),
        );
      } finally {
        torch.dispose(F);
      }
      finished = [...finished, task.index];
    },
    state(): EwcState {
      return { finished: [...finished] };
    },
    restore(state: unknown) {
      const s = state as Partial<EwcState> | null;
      if (!s || !Array.isArray(s.finished) || !s.finished.every((i) => Number.isInteger(i) && i >= 0)) throw new Error(`${name}: malformed method state ${JSON.stringify(state)}`);
      finished = [...s.finished];
    },
  };
}

registerMethod({
  name: 'ewc',
  description: 'EWC: full fine-tuning plus lambda (400) times the Fisher-weighted squared distance to every finished task\'s parameters (diagonal Fisher from 10 batches)',
  schema: ewcSchema,
  create: (config) => quadraticMethod('ewc', config, config),
});

registerMethod({
  name: 'l2',
  description: 'L2: full fine-tuning plus lambda (400) times the squared distance to every finished task\'s parameters (EWC with F = 1)',
  schema: l2Schema,
  create: (config) => quadraticMethod('l2', config, null),
});
