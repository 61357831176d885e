/** The process's malloc heap (glibc), which libtorch's CPU tensors share with Node and its threads. */
import { native } from './native.ts';

/**
 * Gives the free memory of every malloc arena back to the system (glibc's `malloc_trim(0)`): the free
 * pages inside each arena and the main heap's top. At load, native.ts keeps freed memory in the heap
 * (no trimming) so that a training step reuses the previous step's pages; a loop whose threads free
 * much more than they use again (V8 compiling the environments' WebAssembly, worker threads that exit)
 * can call this now and then. Returns whether any memory was released (always false off glibc).
 */
export function trimMalloc(): boolean {
  return native.trimMalloc() as boolean;
}
