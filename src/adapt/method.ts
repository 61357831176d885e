/**
 * One adaptation method = a validated config + what it does to a pre-trained Decision Transformer
 * (HF PEFT's shape: config, wrapped layers, injection by parameter name). Every method in this folder
 * registers itself (`registry.ts`) and is driven by the same training step (`src/train/step.ts`):
 *
 *   inject       once, on the loaded base: freeze, wrap target layers, attach `model.adapt`;
 *   penalty      an extra loss on the parameters (EWC, L2), added to every update's loss;
 *   afterBackward  after gradients exist, before clipping and the optimiser (PackNet's masks);
 *   afterStep    after the optimiser's step (PackNet puts back what the step must not move: AdamW's
 *                decoupled decay shrinks every parameter of a decayed group, masked gradient or not);
 *   beginTask / endTask  at task switches of a continual run (EWC's Fisher, PackNet's pruning, L2M's counts);
 *   retraining   extra updates on the task that just ended, after endTask (PackNet's retraining);
 *   viewFor      the model as it acts on one task of the sequence (PackNet), around that task's evaluation;
 *   state / restore  what must survive a checkpoint besides parameters (selection counts, owners).
 *
 * Per-window modulation (prompts, prefixes, pool rows, the key-pull loss) is `model.adapt.modulate`
 * (`src/model/modulation.ts`), which the model calls itself.
 */
import type { Tensor } from '../torch/index.ts';
import type { DecisionTransformer, DTInputs } from '../model/decision-transformer.ts';

/** A task switch of a continual run: the index of the task in the sequence and its name. */
export interface TaskInfo {
  index: number;
  name: string;
  /** Tasks of the whole sequence, in order. */
  sequence: readonly string[];
}

/** What a method may use at a task's end: batches of that task's data (as model inputs). */
export interface TaskData {
  /** The next training batch of the task that just ended (tensors owned by the caller's scope). */
  nextBatch(): { x: DTInputs; actionMask: Tensor };
}

export interface AdaptMethod<C = unknown> {
  /** The registry name (`lora`, `ia3`, ...). */
  readonly name: string;
  /** The validated config (every default filled in), saved with adapter checkpoints. */
  readonly config: C;
  inject(model: DecisionTransformer): void;
  penalty?(model: DecisionTransformer): Tensor | undefined;
  afterBackward?(model: DecisionTransformer): void;
  /** After `optimizer.step()`, before the gradients are cleared (`trainStep` calls it). */
  afterStep?(model: DecisionTransformer): void;
  beginTask?(model: DecisionTransformer, task: TaskInfo): void;
  endTask?(model: DecisionTransformer, task: TaskInfo, data: TaskData): void;
  /**
   * Extra updates a continual loop runs right after `endTask`, on the data of the task that just ended
   * (PackNet's retraining after pruning): when `steps` > 0 the loop resets the optimiser (if
   * `resetOptimizer`), runs `steps` ordinary `trainStep` updates with this method on that task's
   * batches, and resets the optimiser again (if `resetOptimizer`) before the next task's `beginTask`.
   * `stepsPerTask` is the loop's budget per task (a method may retrain a fraction of it).
   * Without it (or with `steps` = 0), nothing runs between `endTask` and the next `beginTask`.
   */
  retraining?(task: TaskInfo, stepsPerTask: number): { steps: number; resetOptimizer: boolean };
  /**
   * Prepares the model to act on task `task` of the sequence (PackNet's task-id views: weights owned
   * by later tasks zeroed) and returns the function that undoes it. Without it, one model serves every task.
   */
  viewFor?(model: DecisionTransformer, task: number): () => void;
  /** JSON-serialisable state besides parameters (e.g. selection counts); restored before training resumes. */
  state?(): unknown;
  restore?(state: unknown): void;
  /**
   * Folds the method into the base weights so a plain Decision Transformer acts identically
   * (LoRA, (IA)3). Methods that cannot be folded leave this out.
   */
  merge?(model: DecisionTransformer): void;
}
