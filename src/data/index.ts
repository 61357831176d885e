/** The data layer's public API (see docs/data.md). */
export { loadDataset, loadTaskDatasets, readDatasetMeta, saveDataset, buildDataset, episodeCount, transitionCount } from './dataset.ts';
export type { Dataset, DatasetMeta, DatasetDescription, EpisodeColumns, LoadOptions } from './dataset.ts';
export { TrajectorySampler, REWARD_SCALE, DOMAIN_ORDER, type Batch, type SamplerOptions, type SamplerState } from './sampler.ts';
export { MODEL_STATE_DIM, MODEL_ACTION_DIM, modelStateIndex, layoutDim, type ObservationLayout } from './layout.ts';
export { ActionTokenizer, MINMAX_64 } from '../model/action-tokenizer.ts';
export { collect, describeDataset, type CollectOptions, type CollectResult, type EpisodeSummary } from './collect.ts';
export { collectTasks, runTask, type CollectTasksOptions, type TaskJob } from './collect-tasks.ts';
export { registerCollectPolicy, makeCollectPolicy, noisyExpertPolicy, randomCollectPolicy, type CollectPolicy, type PolicySpec, type EpisodeContext, type Transition } from './collect-policy.ts';
export { EpisodeWriter, readPartial, type EpisodeRecord } from './episode-writer.ts';
export { DEFAULT_NOISE_SCHEDULE, NOISE_PRESETS, parseNoiseSchedule, noiseAt, type NoiseSchedule } from './noise-schedule.ts';
export { importRelease, type ImportResult } from './import.ts';
export { statsOf, datasetStats, episodeReturns, type DatasetStats } from './stats.ts';
