/** torch.nn: the module system and layers. */
export { Module, nameMatcher, type NamePattern } from './module.ts';
export { Parameter } from './parameter.ts';
export { Linear, Embedding, LayerNorm, Dropout, ReLU, Tanh, GELU, SiLU, Identity, Sequential, type LayerOptions, type TensorModule } from './layers.ts';
export * as init from './init.ts';
