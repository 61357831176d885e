/**
 * SAC hyper-parameters. Defaults are pytorch_sac's state-based DMControl settings (its config/agent/sac.yaml
 * and train.yaml) except the network size and batch, scaled down from 1024x2 / 1024 for CPU budgets
 * (256x2 / 256 is the Haarnoja et al. SAC size); lr 3e-4 goes with the smaller batch.
 */
import { z } from 'zod';

export const SacConfigSchema = z
  .object({
    /** Hidden layer widths of the actor and of each critic. */
    hidden: z.array(z.number().int().positive()).min(1).default([256, 256]),
    batchSize: z.number().int().positive().default(256),
    actorLr: z.number().positive().default(3e-4),
    criticLr: z.number().positive().default(3e-4),
    alphaLr: z.number().positive().default(3e-4),
    betas: z.tuple([z.number().min(0).lt(1), z.number().min(0).lt(1)]).default([0.9, 0.999]),
    discount: z.number().min(0).max(1).default(0.99),
    /** Polyak rate of the target critics. */
    tau: z.number().gt(0).max(1).default(0.005),
    /** Soft-update the target critics every this many updates. */
    targetUpdateEvery: z.number().int().positive().default(2),
    /** Update actor and temperature every this many updates. */
    actorUpdateEvery: z.number().int().positive().default(1),
    initTemperature: z.number().positive().default(0.1),
    learnTemperature: z.boolean().default(true),
    /** Default: -|A|. */
    targetEntropy: z.number().optional(),
    logStdMin: z.number().default(-5),
    logStdMax: z.number().default(2),
    /** Uniformly random actions (and no updates) for the first this many environment steps. */
    seedSteps: z.number().int().min(0).default(5000),
  })
  .strict()
  .refine((c) => c.logStdMin < c.logStdMax, { message: 'logStdMin must be below logStdMax' });

export type SacConfig = z.infer<typeof SacConfigSchema>;

/** Validates a partial config and fills the defaults; errors name the offending keys. */
export function sacConfig(partial: Partial<SacConfig> = {}): SacConfig {
  const r = SacConfigSchema.safeParse(partial);
  if (!r.success) {
    const msg = r.error.issues.map((i) => `${i.path.join('.') || 'config'}: ${i.message}`).join('; ');
    throw new Error(`invalid SAC config: ${msg}`);
  }
  return r.data;
}
