/**
 * PackNet (Mallya & Lazebnik 2018) as Continual World runs it (`continualworld/methods/packnet.py`;
 * ../shared/docs/continual-notes.md), on the Decision Transformer.
 *
 * Which weights. CW packs every "kernel" of its networks (the Dense weight matrices) and freezes
 * biases and normalisation parameters after the first task. Here the packed weights are every
 * `Linear` weight (the token embeddings of states, returns and rewards, every block's c_attn, c_proj,
 * c_fc, mlp.c_proj, and the action head) and, with `embeddings: pack` (the default), every `Embedding`
 * table (timestep, action-token, action-position and GPT-2 position embeddings): the DT's weight
 * matrices. With `embeddings: freeze` the tables are treated like biases. Everything else (biases,
 * LayerNorm gains and biases) trains during the first task and is frozen from the end of the first
 * task on.
 *
 * Owners. Each entry of a packed weight has an owner, the index of the task it belongs to (initially
 * 0), kept as a persistent uint8 buffer `adapt.owner.<weight name>` (in the state dict and in adapter
 * checkpoints; at most 255 tasks). While task i trains (and retrains):
 *   - afterBackward multiplies each packed weight's gradient by (owner == i) and clears the gradient
 *     of the frozen parameters (so the optimiser skips them: no moment update, no weight decay);
 *   - afterStep puts every entry not owned by i back to its value before the step. The masked
 *     gradient is not enough: AdamW's decoupled decay (p *= 1 - lr * wd) shrinks every parameter of a
 *     decayed group whatever its gradient, and Adam's moments left from an earlier phase would keep
 *     moving entries whose gradient is now zero when the optimiser is not reset. With the restore, the
 *     weights of earlier tasks stay bit-identical under any optimiser.
 * Pruning. At the end of task i (except the last), per packed weight, of the entries task i owns, the
 * fraction left / (left + 1) (left = tasks still to come) with the smallest magnitude is set to zero
 * and handed to task i + 1, exactly as CW computes it: with the owned magnitudes sorted, the threshold
 * is the one at index floor(n * fraction) (float32 product), and every owned entry with |w| <= the
 * threshold is pruned (so floor(n * fraction) + 1 entries when magnitudes are distinct).
 * Views. `viewFor(model, j)` zeroes every packed entry owned by a task after j (the model as it was
 * at the end of task j's phase) and returns the function that restores the weights bit-exactly.
 *
 * What a continual loop must call, in this order (`sequence` = the tasks, n = sequence.length):
 *   attachMethod(model, method)                          (every weight owned by task 0)
 *   for i in 0 .. n-1:
 *     method.beginTask(model, task_i)
 *     `stepsPerTask` trainStep(model, optimizer, batches of task i, { method })
 *     method.endTask(model, task_i, data_i)              (the pruning; nothing for the last task)
 *     const r = method.retraining(task_i, stepsPerTask)  ({ steps: 0 } for the last task)
 *     if r.steps > 0:
 *       if r.resetOptimizer: a fresh optimiser (CW: reset_optimizer)
 *       r.steps trainStep(model, optimizer, batches of task i, { method })
 *       if r.resetOptimizer: a fresh optimiser again
 *     (the end-of-phase evaluation of task i belongs here, after the retraining: the weights task i
 *      keeps are final from this point on)
 *   to evaluate task j at any point: const restore = method.viewFor(model, j); ...evaluate...; restore()
 * The model must not train while a view is active. trainStep calls afterBackward and afterStep itself.
 * Resuming: load the model's tensors (owners included), then `method.restore(state)`; calling
 * beginTask again for the task in progress is allowed. Nothing else is needed after the retraining
 * (the method's state does not change there), so there is no hook after it.
 */
import { z } from 'zod';
import * as torch from '../torch/index.ts';
import type { Tensor } from '../torch/index.ts';
import type { DecisionTransformer } from '../model/decision-transformer.ts';
import type { AdaptMethod, TaskInfo } from './method.ts';
import { registerMethod } from './registry.ts';

const { nn } = torch;

/** Owners are uint8: task indices 0..255. */
const MAX_TASKS = 256;

/** `model.adapt` of PackNet: one uint8 owner buffer per packed weight (`owner.<weight name>`). */
export class PackNetOwners extends nn.Module {
  constructor(readonly weightNames: readonly string[], shapes: readonly (readonly number[])[]) {
    super();
    weightNames.forEach((name, i) => this.registerBuffer(`owner.${name}`, torch.zeros([...shapes[i]!], { dtype: 'uint8' })));
  }

  /** The owner buffer of weight `name` (read each time: `Module.to` replaces buffer tensors). */
  owner(name: string): Tensor {
    const t = (this as unknown as Record<string, unknown>)[`owner.${name}`];
    if (!(t instanceof torch.Tensor)) throw new Error(`packnet: no owner buffer for ${name}`);
    return t;
  }
}

export const packnetSchema = z
  .object({
    /** Retraining after each pruning, as a fraction of the loop's updates per task (CW: 100K after 1M). */
    retrainFraction: z.number().min(0).max(1).default(0.1),
    /** Retraining updates after each pruning; when set, it replaces `retrainFraction`. */
    retrainSteps: z.number().int().nonnegative().nullable().default(null),
    /** Reset the optimiser before and after the retraining (CW does). */
    resetOptimizer: z.boolean().default(true),
    /** Embedding tables: packed like the Linear weights ('pack') or frozen after the first task like biases ('freeze'). */
    embeddings: z.enum(['pack', 'freeze']).default('pack'),
  })
  .strict();
export type PackNetConfig = z.infer<typeof packnetSchema>;

/**
 * CW's threshold index among `n` owned magnitudes sorted ascending, at fraction `fraction`: floor(n * fraction),
 * the product in float32 as TensorFlow computes it. Entries at or below that magnitude are pruned.
 */
export function pruneIndex(n: number, fraction: number): number {
  return Math.floor(Math.fround(Math.fround(n) * Math.fround(fraction)));
}

interface PackNetState {
  /** The task being trained (its index in the sequence). */
  task: number;
  /** The last task whose endTask ran (-1: none). */
  ended: number;
  /** Biases, norms (and frozen tables) no longer train (from the end of the first task on). */
  frozen: boolean;
  /** Length of the sequence, once a task has begun or ended. */
  tasks: number | null;
}

function createPackNet(config: PackNetConfig): AdaptMethod<PackNetConfig> {
  let packed: Array<{ name: string; p: torch.nn.Parameter }> = [];
  let others: torch.nn.Parameter[] = [];
  let st: PackNetState = { task: 0, ended: -1, frozen: false, tasks: null };
  /** Between afterBackward and afterStep: the entries the step must not move, and their values. */
  let pending: Array<{ p: torch.nn.Parameter; keepMask: Tensor; before: Tensor }> = [];

  const owners = (model: DecisionTransformer): PackNetOwners => {
    if (!(model.adapt instanceof PackNetOwners)) throw new Error('packnet: the model has no owner buffers (attach the method first)');
    return model.adapt;
  };
  const seqLength = (task: TaskInfo): number => {
    const n = task.sequence.length;
    if (n < 1 || n > MAX_TASKS) throw new Error(`packnet: a sequence of ${n} tasks (1 to ${MAX_TASKS} are supported)`);
    if (task.index < 0 || task.index >= n || !Number.isInteger(task.index)) throw new Error(`packnet: task index ${task.index} is outside the sequence of ${n} tasks`);
    if (st.tasks !== null && st.tasks !== n) throw new Error(`packnet: the sequence has ${n} tasks, it had ${st.tasks}`);
    return n;
  };
  const dropPending = (): void => {
    for (const e of pending) {
      e.keepMask.dispose();
      e.before.dispose();
    }
    pending = [];
  };

  return {
    name: 'packnet',
    config,
    inject(model) {
      model.unfreeze('*');
      const tables = new Set<torch.nn.Parameter>();
      const weights = new Set<torch.nn.Parameter>();
      for (const [, m] of model.namedModules()) {
        if (m instanceof nn.Linear) weights.add(m.weight);
        else if (m instanceof nn.Embedding) tables.add(m.weight);
      }
      packed = [];
      others = [];
      for (const [name, p] of model.namedParameters()) {
        if (weights.has(p) || (config.embeddings === 'pack' && tables.has(p))) packed.push({ name, p });
        else others.push(p);
      }
      if (packed.length === 0) throw new Error('packnet: the model has no weight matrix to pack');
      model.adapt = new PackNetOwners(
        packed.map((e) => e.name),
        packed.map((e) => e.p.shape),
      );
    },

    afterBackward(model) {
      dropPending();
      if (!st.frozen) return; // the first task before its pruning: every entry is task 0's and nothing is frozen
      const own = owners(model);
      torch.noGrad(() => {
        for (const { name, p } of packed) {
          const mine = torch.tidy(() => own.owner(name).eq(st.task));
          torch.tidy(() => {
            const g = p.grad;
            if (g !== null) g.mul_(mine);
          });
          pending.push({ p, keepMask: torch.keep(mine), before: torch.keep(p.detach().clone()) });
        }
        for (const p of others) p.grad = null;
      });
    },

    afterStep() {
      torch.noGrad(() => {
        for (const { p, keepMask, before } of pending) torch.tidy(() => p.copy_(p.where(keepMask, before)));
      });
      dropPending();
    },

    beginTask(_model, task) {
      const n = seqLength(task);
      const ok = task.index === st.task || (task.index === st.task + 1 && st.ended === st.task);
      if (!ok) throw new Error(`packnet: task ${task.index} (${task.name}) cannot begin: task ${st.task} is ${st.ended === st.task ? 'over' : 'in progress (call endTask first)'}`);
      st = { ...st, task: task.index, tasks: n, frozen: st.frozen || task.index > 0 };
    },

    endTask(model, task) {
      const n = seqLength(task);
      if (task.index !== st.task) throw new Error(`packnet: endTask for task ${task.index} (${task.name}) while task ${st.task} is in progress (call beginTask first)`);
      if (st.ended === task.index) throw new Error(`packnet: task ${task.index} (${task.name}) has already ended`);
      st = { ...st, tasks: n, ended: task.index };
      if (task.index === n - 1) return;
      st.frozen = true;
      const left = n - task.index - 1;
      const fraction = left / (left + 1);
      const own = owners(model);
      torch.noGrad(() => {
        for (const { name, p } of packed) {
          torch.tidy(() => {
            const owner = own.owner(name);
            const mine = owner.eq(task.index);
            const magnitude = p.abs();
            const vals = magnitude.maskedSelect(mine);
            const count = vals.numel();
            if (count === 0) return;
            const threshold = vals.sort().values.select(0, pruneIndex(count, fraction));
            const prune = magnitude.le(threshold).logicalAnd(mine);
            p.maskedFill_(prune, 0);
            owner.copy_(owner.where(prune.logicalNot(), task.index + 1));
          });
        }
      });
    },

    retraining(task, stepsPerTask) {
      if (task.index >= task.sequence.length - 1) return { steps: 0, resetOptimizer: config.resetOptimizer };
      const steps = config.retrainSteps ?? Math.round(config.retrainFraction * stepsPerTask);
      return { steps, resetOptimizer: config.resetOptimizer };
    },

    viewFor(model, task) {
      if (!Number.isInteger(task) || task < 0) throw new Error(`packnet: no view for task ${task}`);
      const own = owners(model);
      const saved: Array<{ p: torch.nn.Parameter; before: Tensor }> = [];
      torch.noGrad(() => {
        for (const { name, p } of packed) {
          torch.tidy(() => {
            const later = own.owner(name).gt(task);
            if (!later.any().item()) return;
            saved.push({ p, before: torch.keep(p.detach().clone()) });
            p.maskedFill_(later, 0);
          });
        }
      });
      let restored = false;
      return () => {
        if (restored) return;
        restored = true;
        torch.noGrad(() => {
          for (const { p, before } of saved) {
            p.copy_(before);
            before.dispose();
          }
        });
      };
    },

    state(): PackNetState {
      return { ...st };
    },

    restore(state: unknown) {
      const s = state as Partial<PackNetState> | null;
      const int = (v: unknown, min: number): boolean => Number.isInteger(v) && (v as number) >= min;
      if (!s || !int(s.task, 0) || !int(s.ended, -1) || typeof s.frozen !== 'boolean' || !(s.tasks === null || int(s.tasks, 1))) {
        throw new Error(`packnet: malformed method state ${JSON.stringify(state)}`);
      }
      dropPending();
      st = { task: s.task!, ended: s.ended!, frozen: s.frozen, tasks: s.tasks ?? null };
    },
  };
}

registerMethod({
  name: 'packnet',
  description: 'PackNet (as Continual World): per-weight task owners, gradient masks, magnitude pruning of left/(left+1) at each task end, retraining, task-id views',
  schema: packnetSchema,
  create: (config) => createPackNet(config),
});
