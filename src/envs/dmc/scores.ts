/**
 * The original L2M's data-normalised DMControl score (`src/envs/dmcontrol_dn_scores.py`):
 * (R - R_random) / (R_data - R_random), where R_random is the mean return of 10 uniformly random
 * episodes and R_data the mean return in the original's 1M-transition dataset of the task.
 * A `DmcScoreTable` may instead take R_data from another dataset (our own data's mean,
 * `src/data/own-score-table.ts`); R_random stays the original's.
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

/** Per-task references and, for messages and reports, where their R_data comes from. */
export interface DmcScoreTable {
  source: string;
  tasks: Readonly<Record<string, DmcScoreReference>>;
}

/** The default: R_data is the mean return of the original's dataset (appendix A of the spec). */
export const ORIGINAL_DMC_SCORES: DmcScoreTable = { source: "the original's data means", tasks: DMC_SCORE_REFERENCES };

/** (R - R_random) / (R_data - R_random): 0 is random, 1 the data's mean. */
export function dataNormalizedScore(episodeReturn: number, ref: DmcScoreReference): number {
  return (episodeReturn - ref.random) / (ref.data - ref.random);
}

/** Data-normalised score of an episode return by `table` (default: the original's data means). */
export function normalizedScore(task: string, episodeReturn: number, table: DmcScoreTable = ORIGINAL_DMC_SCORES): number {
  const ref = table.tasks[task];
  if (ref === undefined) throw new Error(missingMessage([task], table));
  return dataNormalizedScore(episodeReturn, ref);
}

/** True when `task` has reference scores in `table` (so `normalizedScore` applies). */
export function hasNormalizedScore(task: string, table: DmcScoreTable = ORIGINAL_DMC_SCORES): boolean {
  return Object.hasOwn(table.tasks, task);
}

/** Throws, naming every task of `tasks` that `table` has no reference for. */
export function requireScoreReferences(table: DmcScoreTable, tasks: readonly string[]): void {
  const missing = tasks.filter((t) => !hasNormalizedScore(t, table));
  if (missing.length > 0) throw new Error(missingMessage(missing, table));
}

function missingMessage(tasks: string[], table: DmcScoreTable): string {
  const known = Object.keys(table.tasks);
  return `no data-normalised score reference for ${tasks.join(', ')} in ${table.source} (it has ${known.length ? known.join(', ') : 'no task'})`;
}
