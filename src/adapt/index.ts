/** Every built-in adaptation method (each file registers itself), and the public API of src/adapt. */
import './finetune.ts';
import './lora.ts';
import './prefix.ts';
import './prompt.ts';
import './ptuning-v2.ts';
import './ia3.ts';
import './adapters.ts';
import './ewc.ts';
import './packnet.ts';
import './l2p.ts';
import './l2m.ts';

export { createMethod, methodEntry, methodNames, parseMethodConfig, registerMethod, type MethodEntry, type MethodSpec } from './registry.ts';
export { attachMethod, adapterStateDict, baseIdentity, trainableParameters } from './inject.ts';
export { saveAdapter, loadAdapter, readAdapterMeta, ADAPTER_FILES, type AdapterMeta } from './checkpoint.ts';
export type { AdaptMethod, TaskInfo, TaskData } from './method.ts';
export { isPoolMethod, keyPullLoss, type PoolMethod, type PoolControl, type PoolPhase, type SelectionMatrix } from './pool.ts';
