/** Devices: 'cpu' always; 'cuda' when the linked libtorch was built with CUDA and a GPU is present. */
import { native } from './native.ts';
import type { Device } from './dtype.ts';

export const cuda = {
  isAvailable(): boolean {
    return native.cudaAvailable() as boolean;
  },
  deviceCount(): number {
    return native.cudaDeviceCount() as number;
  },
  /** Waits for queued GPU work (for timing). */
  synchronize(): void {
    native.synchronize();
  },
};

/** 'cuda' when available, else 'cpu'. */
export function bestDevice(): Device {
  return cuda.isAvailable() ? 'cuda' : 'cpu';
}

/** The libtorch version the addon is linked against. */
export function libtorchVersion(): string {
  return native.version() as string;
}
