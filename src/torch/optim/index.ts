/** torch.optim: optimisers and learning-rate schedules. */
export { Optimizer, type OptimizerState, type ParamGroup, type ParamsArg } from './optimizer.ts';
export { Adam, AdamW, type AdamOptions } from './adam.ts';
export { SGD, type SGDOptions } from './sgd.ts';
export { LambdaLR, linearWarmup, cosineWithWarmup, cosineAnnealing } from './schedules.ts';
export { GradScaler, type GradScalerOptions, type GradScalerState } from './grad-scaler.ts';
