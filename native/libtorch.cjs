#!/usr/bin/env node
// Tells binding.gyp where libtorch is: `node libtorch.cjs include|libdirs|libs|ldflags|abi`.
// LIBTORCH (a libtorch distribution or a PyTorch installation's torch/ folder) wins; otherwise
// Debian's libtorch-dev. Exits non-zero with a plain message when neither is present.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

function fail(msg) {
  process.stderr.write(`\n[l2m native] ${msg}\n\n`);
  process.exit(1);
}

function locate() {
  const env = process.env.LIBTORCH;
  if (env) {
    const root = path.resolve(env);
    const inc = path.join(root, 'include');
    const lib = path.join(root, 'lib');
    if (!fs.existsSync(path.join(inc, 'ATen', 'ATen.h')) || !fs.existsSync(path.join(inc, 'torch', 'csrc', 'api', 'include', 'torch', 'torch.h'))) {
      fail(`LIBTORCH=${env} has no libtorch headers (expected ${inc}/ATen/ATen.h and ${inc}/torch/csrc/api/include/torch/torch.h). Point LIBTORCH at a libtorch distribution or a PyTorch installation's torch/ folder.`);
    }
    if (!fs.readdirSync(lib).some((f) => /^libtorch_cpu\.(so|dylib)/.test(f))) fail(`LIBTORCH=${env} has no ${lib}/libtorch_cpu.so`);
    return { includes: [inc, path.join(inc, 'torch', 'csrc', 'api', 'include')], libdir: lib };
  }
  const inc = '/usr/include';
  const libdirs = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib'];
  const libdir = libdirs.find((d) => fs.existsSync(path.join(d, 'libtorch_cpu.so')));
  if (!fs.existsSync(path.join(inc, 'ATen', 'ATen.h')) || !fs.existsSync(path.join(inc, 'torch', 'csrc', 'api', 'include', 'torch', 'torch.h')) || !libdir) {
    fail('libtorch not found. Install Debian\'s libtorch-dev (`sudo apt-get install libtorch-dev`) or set LIBTORCH to a libtorch distribution (or a PyTorch installation\'s torch/ folder), then run `npm run build:native`.');
  }
  return { includes: [inc, path.join(inc, 'torch', 'csrc', 'api', 'include')], libdir };
}

function has(libdir, name) {
  return fs.existsSync(path.join(libdir, `lib${name}.so`));
}

// The C++ ABI libtorch was built with: pre-C++11-ABI builds export no `__cxx11` symbols.
function cxx11Abi(libdir) {
  const c10 = path.join(libdir, 'libc10.so');
  if (!fs.existsSync(c10)) return 1;
  return fs.readFileSync(c10).includes('__cxx11') ? 1 : 0;
}

const where = locate();
const what = process.argv[2];
// CUDA builds: torch_cuda (split into torch_cuda_cu + torch_cuda_cpp in some 1.x releases) and c10_cuda.
const cudaLibs = ['torch_cuda', 'torch_cuda_cu', 'torch_cuda_cpp', 'c10_cuda'].filter((n) => has(where.libdir, n));
switch (what) {
  case 'include':
    console.log(where.includes.join(' '));
    break;
  case 'libs':
    console.log(['-ltorch', '-ltorch_cpu', '-lc10'].concat(cudaLibs.map((n) => `-l${n}`)).join(' '));
    break;
  case 'ldflags':
    // --no-as-needed keeps torch_cuda loaded although nothing references it directly: its static
    // initialisers register the CUDA backend.
    console.log([`-L${where.libdir}`, `-Wl,-rpath,${where.libdir}`, '-Wl,--no-as-needed'].join(' '));
    break;
  case 'abi':
    console.log(cxx11Abi(where.libdir));
    break;
  case 'cuda':
    console.log(cudaLibs.length > 0 ? 1 : 0);
    break;
  default:
    fail(`usage: node libtorch.cjs include|libs|ldflags|abi|cuda (got ${what})`);
}
