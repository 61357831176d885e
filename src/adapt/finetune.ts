/**
 * Fine-tuning baselines (l2m-spec.md section 3): all parameters (`full`); the last N blocks, with or
 * without the action head (`last-layers`, the original's `freeze_kwargs.exclude_layers` with negative
 * indices and `exclude_action_head`); the action head alone (`head`). They add no parameters: the
 * "adapter" checkpoint of a fine-tuned model holds the parameters it trained.
 */
import { z } from 'zod';
import type { DecisionTransformer } from '../model/decision-transformer.ts';
import { resolveLayers } from './inject.ts';
import type { AdaptMethod } from './method.ts';
import { registerMethod } from './registry.ts';

function freezingMethod<C>(name: string, config: C, trainable: (model: DecisionTransformer) => string[]): AdaptMethod<C> {
  return {
    name,
    config,
    inject(model) {
      model.freeze();
      const names = trainable(model);
      if (names.length === 0) throw new Error(`${name}: no parameter to train`);
      for (const n of names) model.unfreeze(n);
    },
  };
}

const fullSchema = z.object({}).strict();
registerMethod({
  name: 'full',
  description: 'full fine-tuning: every parameter trains',
  schema: fullSchema,
  create: (config) => freezingMethod('full', config, () => ['*']),
});

const lastLayersSchema = z
  .object({
    /** Blocks to train; negative indices count from the end (-1 = the last block). */
    layers: z.array(z.number().int()).min(1).default([-1]),
    /** Train the action head too (the original's `exclude_action_head`). */
    actionHead: z.boolean().default(true),
    /** Train the final LayerNorm too (it sits between the last block and the head). */
    finalNorm: z.boolean().default(true),
  })
  .strict();
registerMethod({
  name: 'last-layers',
  description: 'fine-tune the last block(s), optionally with the final LayerNorm and the action head',
  schema: lastLayersSchema,
  create: (config) =>
    freezingMethod('last-layers', config, (model) => [
      ...resolveLayers(model, config.layers).map((l) => `blocks.${l}.*`),
      ...(config.finalNorm ? ['ln_f.*'] : []),
      ...(config.actionHead ? ['action_head.*'] : []),
    ]),
});

const headSchema = z.object({}).strict();
registerMethod({
  name: 'head',
  description: 'fine-tune the action head only',
  schema: headSchema,
  create: (config) => freezingMethod('head', config, () => ['action_head.*']),
});
