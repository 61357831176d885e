/**
 * The original L2M's data-normalised DMControl score (`src/envs/dmcontrol_dn_scores.py`):
 * (R - R_random) / (R_data - R_random), where R_random is the mean return of 10 uniformly random
 * episodes and R_data the mean return in the original's 1M-transition dataset of the task.
 *
 * The original keys point_mass as 'point-mass_easy', so its own lookup for point_mass-easy never
 * matched (NaN); here the task's real name is used.
 */
export interface DmcScoreReference {
  random: number;
  data: number;
}

export const DMC_SCORE_REFERENCES: Readonly<Record<string, DmcScoreReference>> = {
  'acrobot-swingup': { random: 8.351, data: 4.877 },
  'ball_in_cup-catch': { random: 0.0, data: 926.719 },
  'cartpole-balance': { random: 350.391, data: 938.506 },
  'cartpole-swingup': { random: 27.414, data: 766.15 },
  'cheetah-run': { random: 3.207, data: 324.045 },
  'finger-spin': { random: 0.2, data: 834.629 },
  'finger-turn_easy': { random: 57.8, data: 800.645 },
  'finger-turn_hard': { random: 40.6, data: 676.144 },
  'fish-upright': { random: 229.406, data: 547.962 },
  'hopper-stand': { random: 1.296, data: 266.783 },
  'pendulum-swingup': { random: 0.0, data: 614.491 },
  'point_mass-easy': { random: 1.341, data: 779.273 },
  'reacher-easy': { random: 33.0, data: 849.241 },
  'reacher-hard': { random: 8.0, data: 779.947 },
  'walker-run': { random: 23.427, data: 344.794 },
  'walker-stand': { random: 134.701, data: 816.322 },
  'walker-walk': { random: 30.193, data: 773.174 },
};

/** Data-normalised score of an episode return: 0 is random, 1 the dataset's mean. */
export function normalizedScore(task: string, episodeReturn: number): number {
  const ref = DMC_SCORE_REFERENCES[task];
  if (ref === undefined) {
    throw new Error(`normalizedScore: no reference scores for task '${task}' (known: ${Object.keys(DMC_SCORE_REFERENCES).join(', ')})`);
  }
  return (episodeReturn - ref.random) / (ref.data - ref.random);
}

/** True when `task` has reference scores (so `normalizedScore` applies). */
export function hasNormalizedScore(task: string): boolean {
  return Object.hasOwn(DMC_SCORE_REFERENCES, task);
}
