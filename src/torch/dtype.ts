/** Element types and devices, named as in PyTorch (torch.float32 is 'float32'). */

/** float32/float64/int64/bool are the supported compute types; the others load and convert only. */
export type DType = 'float32' | 'float64' | 'int64' | 'bool' | 'int32' | 'uint8' | 'float16' | 'bfloat16';

export const DTYPES: readonly DType[] = ['float32', 'float64', 'int64', 'bool', 'int32', 'uint8', 'float16', 'bfloat16'];

/** 'cpu', 'cuda', 'cuda:1', ... */
export type Device = string;

export function isDType(v: unknown): v is DType {
  return typeof v === 'string' && (DTYPES as readonly string[]).includes(v);
}

export function isFloatingDType(d: DType): boolean {
  return d === 'float32' || d === 'float64' || d === 'float16' || d === 'bfloat16';
}

export function bytesPerElement(d: DType): number {
  switch (d) {
    case 'float64':
    case 'int64':
      return 8;
    case 'float32':
    case 'int32':
      return 4;
    case 'float16':
    case 'bfloat16':
      return 2;
    case 'bool':
    case 'uint8':
      return 1;
  }
}

/** Creation options shared by the factory functions. */
export interface TensorOptions {
  dtype?: DType;
  device?: Device;
  requiresGrad?: boolean;
}
