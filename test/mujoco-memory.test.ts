import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeEnv } from '../src/envs/registry.ts';
import type { Env } from '../src/envs/types.ts';

test("filling one thread's 2 GiB wasm memory with envs is an error that says so (not a scene-file error)", async () => {
  const envs: Env[] = [];
  try {
    await assert.rejects(
      (async () => {
        for (let i = 0; i < 200; i++) envs.push(await makeEnv('push-v2', { seed: i }));
      })(),
      /MuJoCo ran out of WebAssembly memory \(2 GiB per thread\) loading .*sawyer_push_v3\.xml: too many environments in one thread/,
    );
    // The envs share the scene's compiled model: only their data (about 14 MB of address space each) fills the thread.
    assert.ok(envs.length > 100, `${envs.length} envs fit before the error`);
  } finally {
    for (const e of envs) e.close();
  }
});
