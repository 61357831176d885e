/**
 * How noisy the scripted experts are over a collection run, so that a task's data spans poor to expert
 * episodes as a SAC replay buffer does (early episodes near-random, later ones near-expert).
 *
 * A schedule is a list of knots over the run's progress `at` = episode / (episodes - 1) in [0, 1];
 * between knots both values are interpolated linearly. Per episode:
 *   `std`        standard deviation of Gaussian noise added to each expert action, as a fraction of the
 *                action range (high − low; on [-1, 1] std 0.1 is σ = 0.2), then clipped to the range;
 *   `randomProb` probability that a step's action is replaced by a uniform random action.
 */
import fs from 'node:fs';
import { z } from 'zod';

export const noiseKnotSchema = z.object({
  at: z.number().min(0).max(1),
  std: z.number().min(0),
  randomProb: z.number().min(0).max(1),
});
export type NoiseKnot = z.infer<typeof noiseKnotSchema>;
export const noiseScheduleSchema = z.array(noiseKnotSchema).min(1);
export type NoiseSchedule = NoiseKnot[];

/** The default (`replay`): a short random warm-up, a fast improvement, then a long near-expert tail. */
export const DEFAULT_NOISE_SCHEDULE: NoiseSchedule = [
  { at: 0, std: 0.5, randomProb: 1 },
  { at: 0.05, std: 0.5, randomProb: 0.5 },
  { at: 0.25, std: 0.25, randomProb: 0.1 },
  { at: 0.5, std: 0.1, randomProb: 0.02 },
  { at: 1, std: 0.025, randomProb: 0 },
];

/** Named schedules for `--noise-schedule`. */
export const NOISE_PRESETS: Readonly<Record<string, NoiseSchedule>> = {
  replay: DEFAULT_NOISE_SCHEDULE,
  expert: [{ at: 0, std: 0, randomProb: 0 }],
  // Every episode near-expert with a little Gaussian noise (σ = 0.1 on [-1, 1]): the off-path states
  // that a cloned policy needs to learn recoveries from, without the replay buffer's failures.
  'noisy-expert': [{ at: 0, std: 0.05, randomProb: 0 }],
  random: [{ at: 0, std: 0, randomProb: 1 }],
  uniform: [
    { at: 0, std: 0.5, randomProb: 0.5 },
    { at: 1, std: 0, randomProb: 0 },
  ],
};

export function validateSchedule(s: unknown, where = 'noise schedule'): NoiseSchedule {
  const parsed = noiseScheduleSchema.safeParse(s);
  if (!parsed.success) throw new Error(`${where}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  const knots = parsed.data;
  for (let i = 1; i < knots.length; i++) {
    if (knots[i].at <= knots[i - 1].at) throw new Error(`${where}: knots must have strictly increasing 'at' (knot ${i}: ${knots[i].at} after ${knots[i - 1].at})`);
  }
  return knots;
}

/**
 * Parses `--noise-schedule`: a preset name (`replay`, `expert`, `noisy-expert`, `random`, `uniform`), inline JSON
 * (`[{"at":0,"std":1,"randomProb":1},...]`), or a path to a JSON file holding such a list.
 */
export function parseNoiseSchedule(spec: string): NoiseSchedule {
  const preset = NOISE_PRESETS[spec];
  if (preset) return preset;
  let value: unknown;
  const trimmed = spec.trim();
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) {
    try {
      value = JSON.parse(trimmed);
    } catch (err) {
      throw new Error(`--noise-schedule: invalid JSON (${(err as Error).message})`);
    }
    return validateSchedule(value, '--noise-schedule');
  }
  if (!fs.existsSync(spec)) throw new Error(`--noise-schedule: '${spec}' is neither a preset (${Object.keys(NOISE_PRESETS).join(', ')}), JSON, nor a file`);
  try {
    value = JSON.parse(fs.readFileSync(spec, 'utf8'));
  } catch (err) {
    throw new Error(`--noise-schedule ${spec}: invalid JSON (${(err as Error).message})`);
  }
  return validateSchedule(value, spec);
}

/** The noise level at progress `f` in [0, 1]. */
export function noiseAt(schedule: NoiseSchedule, f: number): { std: number; randomProb: number } {
  if (f <= schedule[0].at) return { std: schedule[0].std, randomProb: schedule[0].randomProb };
  for (let i = 1; i < schedule.length; i++) {
    const a = schedule[i - 1];
    const b = schedule[i];
    if (f <= b.at) {
      const w = (f - a.at) / (b.at - a.at);
      return { std: (1 - w) * a.std + w * b.std, randomProb: (1 - w) * a.randomProb + w * b.randomProb };
    }
  }
  const last = schedule[schedule.length - 1];
  return { std: last.std, randomProb: last.randomProb };
}

/** Progress of episode `episode` of `total`. */
export function episodeProgress(episode: number, total: number): number {
  return total > 1 ? episode / (total - 1) : 1;
}
