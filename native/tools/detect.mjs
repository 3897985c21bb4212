#!/usr/bin/env node
// Finds TensorRT and CUDA for binding.gyp. Prints one field: `node detect.mjs <field>`.
//   enabled    1 when TensorRT headers + libraries and CUDA were found, else 0
//   reason     one line: what was found, or why the stub is built
//   cflags     -isystem flags for the TensorRT and CUDA headers
//   libraries  -L, rpath and -l flags
//   json       everything above as JSON (for install.mjs)
// Inputs: TENSORRT_ROOT (include/ + lib/), CUDA_HOME or CUDA_PATH, LEUKODIFF_TRT=0 forces the stub.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const env = process.env;

function firstWith(dirs, file) {
  return dirs.find((d) => existsSync(join(d, file)));
}

/** The linker name of a library in dir: `libX.so` if present, else the versioned runtime file (`:libX.so.10`). */
function linkName(dir, lib) {
  if (existsSync(join(dir, `lib${lib}.so`))) return lib;
  let versioned;
  try {
    versioned = readdirSync(dir)
      .filter((f) => f.startsWith(`lib${lib}.so.`))
      .sort((a, b) => a.length - b.length)[0];
  } catch {
    return undefined;
  }
  return versioned ? `:${versioned}` : undefined;
}

function detect() {
  if (env.LEUKODIFF_TRT === '0') return { enabled: false, reason: 'TensorRT disabled by LEUKODIFF_TRT=0' };

  const trtRoot = env.TENSORRT_ROOT;
  const includeDirs = trtRoot ? [join(trtRoot, 'include')] : ['/usr/include/aarch64-linux-gnu', '/usr/include/x86_64-linux-gnu', '/usr/include'];
  const libDirs = trtRoot ? [join(trtRoot, 'lib'), join(trtRoot, 'lib64')] : ['/usr/lib/aarch64-linux-gnu', '/usr/lib/x86_64-linux-gnu', '/usr/lib'];

  const trtInclude = firstWith(includeDirs, 'NvInfer.h');
  if (!trtInclude) return { enabled: false, reason: `TensorRT headers not found (NvInfer.h in ${includeDirs.join(', ')})` };
  if (!existsSync(join(trtInclude, 'NvOnnxParser.h'))) {
    return { enabled: false, reason: `TensorRT ONNX parser header not found (NvOnnxParser.h in ${trtInclude})` };
  }
  let trtLib;
  let nvinfer;
  let nvonnxparser;
  for (const dir of libDirs) {
    nvinfer = linkName(dir, 'nvinfer');
    nvonnxparser = linkName(dir, 'nvonnxparser');
    if (nvinfer && nvonnxparser) {
      trtLib = dir;
      break;
    }
  }
  if (!trtLib) return { enabled: false, reason: `TensorRT libraries not found (libnvinfer + libnvonnxparser in ${libDirs.join(', ')})` };

  const cudaRoots = [env.CUDA_HOME, env.CUDA_PATH, '/usr/local/cuda'].filter(Boolean);
  const cudaRoot = firstWith(cudaRoots, 'include/cuda_runtime_api.h');
  if (!cudaRoot) return { enabled: false, reason: `CUDA headers not found (include/cuda_runtime_api.h in ${cudaRoots.join(', ')})` };
  const cudaLibDirs = ['lib64', 'lib', 'targets/aarch64-linux/lib', 'targets/x86_64-linux/lib'].map((d) => join(cudaRoot, d));
  const cudaLib = cudaLibDirs.find((d) => linkName(d, 'cudart'));
  if (!cudaLib) return { enabled: false, reason: `CUDA runtime library not found (libcudart in ${cudaLibDirs.join(', ')})` };
  const cudart = linkName(cudaLib, 'cudart');

  const libDirsUsed = [...new Set([trtLib, cudaLib])];
  return {
    enabled: true,
    reason: `TensorRT headers ${trtInclude}, libraries ${trtLib}; CUDA ${cudaRoot}`,
    cflags: [...new Set([trtInclude, join(cudaRoot, 'include')])].map((d) => `-isystem${d}`),
    libraries: [...libDirsUsed.map((d) => `-L${d}`), ...libDirsUsed.map((d) => `-Wl,-rpath,${d}`), `-l${nvinfer}`, `-l${nvonnxparser}`, `-l${cudart}`],
  };
}

const result = detect();
const field = process.argv[2] ?? 'json';
// The reason ends up in a C string literal via a gyp define: keep it free of quotes and backslashes.
const reason = result.reason.replace(/["'\\`$]/g, '');
switch (field) {
  case 'enabled':
    process.stdout.write(result.enabled ? '1' : '0');
    break;
  case 'reason':
    process.stdout.write(reason);
    break;
  case 'cflags':
    process.stdout.write((result.cflags ?? []).join(' '));
    break;
  case 'libraries':
    process.stdout.write((result.libraries ?? []).join(' '));
    break;
  case 'json':
    process.stdout.write(JSON.stringify({ ...result, reason }) + '\n');
    break;
  default:
    process.stderr.write(`detect.mjs: unknown field '${field}'\n`);
    process.exit(2);
}
