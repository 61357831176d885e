/**
 * Prompt tuning (l2m-spec.md section 3; the original's `DummyPrompt` with `n_layer: null`): P learned
 * soft tokens placed before every window (`Modulation.prompt`). Like the window's tokens they get
 * GPT-2's wpe[0] and the embedding dropout; the action head skips them. Only `adapt.prompt`
 * [1, P, d] trains (P·d = 19,200 parameters for the paper's model at P = 25).
 */
import { z } from 'zod';
import * as torch from '../torch/index.ts';
import type { ModelAdapter, Modulation, WindowContext } from '../model/modulation.ts';
import type { AdaptMethod } from './method.ts';
import { registerMethod } from './registry.ts';
import { gatherPrompts, promptFields, promptTable, type PromptDims } from './soft-prompt.ts';

const { nn } = torch;

export const promptSchema = z.object({ ...promptFields }).strict();
export type PromptConfig = z.infer<typeof promptSchema>;

/** `model.adapt` of prompt tuning. */
export class PromptTuning extends nn.Module implements ModelAdapter {
  /** [1, P, d] */
  prompt: torch.nn.Parameter;
  dropout: torch.nn.Dropout;

  constructor(dims: PromptDims, cfg: PromptConfig) {
    super();
    this.prompt = promptTable([1, cfg.length, dims.dModel], cfg.init);
    this.dropout = new nn.Dropout(cfg.dropout);
  }

  modulate(ctx: WindowContext): Modulation {
    return torch.tidy(() => ({ prompt: this.dropout.forward(gatherPrompts(this.prompt, ctx.tokens.size(0))) }));
  }
}

registerMethod({
  name: 'prompt',
  description: 'prompt tuning: 25 soft tokens before every window; the base is frozen',
  schema: promptSchema,
  create(config): AdaptMethod<PromptConfig> {
    return {
      name: 'prompt',
      config,
      inject(model) {
        model.freeze();
        model.adapt = new PromptTuning(model.cfg, config);
      },
    };
  },
});
