/**
 * `probe`: a test-only adaptation method that uses every continual hook, registered on import (tests
 * of the continual loop, and their child processes, import this file).
 * - trains the action head only (fast);
 * - beginTask / endTask record their calls in the state; endTask also draws `batches` batches of the
 *   task's data and records their loss (so the data a method gets at a task end is checked);
 * - retraining: `retrain` extra updates after each task but the last (PackNet's protocol);
 * - viewFor(task) adds viewShift * (task + 1) (default 0.01) to the action head's bias, and undoes it bit-exactly;
 * - state / restore: the records.
 */
import { z } from 'zod';
import * as torch from '../../src/torch/index.ts';
import { methodNames, registerMethod } from '../../src/adapt/registry.ts';
import type { AdaptMethod } from '../../src/adapt/method.ts';

export interface ProbeState {
  begun: number[];
  ended: number[];
  endLoss: number[];
  views: number;
}

const schema = z.object({ batches: z.number().int().nonnegative().default(2), retrain: z.number().int().nonnegative().default(0), views: z.boolean().default(true), viewShift: z.number().default(0.01) }).strict();

if (!methodNames().includes('probe')) {
  registerMethod({
    name: 'probe',
    description: 'test method: trains the action head and records the continual hooks',
    schema,
    create: (config) => {
      let st: ProbeState = { begun: [], ended: [], endLoss: [], views: 0 };
      const m: AdaptMethod<z.infer<typeof schema>> & { retraining(task: { index: number; sequence: readonly string[] }, stepsPerTask: number): { steps: number; resetOptimizer: boolean } } = {
        name: 'probe',
        config,
        inject(model) {
          model.freeze();
          model.unfreeze('action_head.*');
        },
        beginTask(_model, task) {
          if (st.begun.includes(task.index)) throw new Error(`probe: task ${task.index} began twice`);
          st.begun.push(task.index);
        },
        endTask(model, task, data) {
          if (st.ended.includes(task.index)) throw new Error(`probe: task ${task.index} ended twice`);
          st.ended.push(task.index);
          let sum = 0;
          for (let b = 0; b < config.batches; b++) {
            sum += torch.tidy(() => {
              const { x, actionMask } = data.nextBatch();
              return torch.noGrad(() => model.loss(x, actionMask).item());
            });
          }
          st.endLoss.push(sum);
        },
        retraining(task) {
          return { steps: task.index < task.sequence.length - 1 ? config.retrain : 0, resetOptimizer: true };
        },
        state: () => structuredClone(st),
        restore: (s) => {
          st = structuredClone(s as ProbeState);
        },
      };
      if (config.views) {
        m.viewFor = (model, task) => {
          st.views += 1;
          const bias = model.action_head.bias!;
          const saved = torch.noGrad(() => torch.keep(bias.detach().clone()));
          torch.noGrad(() => bias.add_(config.viewShift * (task + 1)));
          return () => {
            torch.noGrad(() => bias.copy_(saved));
            saved.dispose();
          };
        };
      }
      return m;
    },
  });
}
