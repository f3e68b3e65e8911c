// `npm run build:c`: build/core.wasm -> build/wasm2c/iotda_core.{c,h} + iotda_core_memory.h for the device.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const wasm2c = join(root, "node_modules", ".bin", "wasm2c");

// The root tsconfig's libs (es2023, node 20 types) do not declare WebAssembly; just what is used here.
declare const WebAssembly: {
  Module: { new (bytes: Uint8Array): object; imports(module: object): { module: string; name: string }[] };
  Instance: new (module: object) => { exports: Record<string, () => number> };
};

/** Module name: the generated C symbols are w2c_iotda_* and wasm2c_iotda_*. */
export const MODULE_NAME = "iotda";
/** The backed memory is the core's used() rounded up to this. */
const BACKED_GRANULE = 16; // whole blocks for wipe() (native/wipe.h), and the struct's size stays aligned
const AREA_BYTES = 512;

// wasm2c checks bounds against the runtime's mem->size, reloading it after every store. Our wasm-rt.h
// checks against the compile-time backed size instead, which lets the compiler fold the check into
// the address arithmetic and hoist it out of loops (see WASM_RT_MEMCHECK there).
const WABT_MEMCHECK = `#define MEMCHECK_DEFAULT32(mem, a, t)                \\
  WASM_RT_CHECK_BASE(mem);                           \\
  if (UNLIKELY(a + (uint64_t)sizeof(t) > mem->size)) \\
    TRAP(OOB);`;
const OUR_MEMCHECK = "#define MEMCHECK_DEFAULT32(mem, a, t) WASM_RT_MEMCHECK(mem, a, sizeof(t))";
// wasm2c indexes the memory with the 64-bit address; on a 32-bit device that hides from GCC that
// p + 1, p + 2, ... share one base, so each byte load recomputes its address (+400 instructions per
// uncached signing). Every access is bounds-checked before this, so the address always fits 32 bits.
const WABT_MEM_ADDR = "#define MEM_ADDR(mem, addr, n) &((mem)->data[addr])";
const OUR_MEM_ADDR = "#define MEM_ADDR(mem, addr, n) &((mem)->data[(uint32_t)(addr)])";
// Moddable compiles app C with -Os -fno-inline-functions; under those GCC calls wasm2c's per-access
// load/store helpers instead of inlining them: 5.5x the instructions and more code (bench:device).
// The generated file asks for -O2 itself, tuned for a core without SIMD or byte-swap instructions
// (rv32imc; instructions per uncached signing that each option saves, bench:device):
// - no-tree-vectorize: GCC 12's -O2 "vectorizes" four byte stores into a word byte swap, built from
//   a dozen shifts and masks (180);
// - no-tree-loop-distribute-patterns: zeroing and fill loops stay loops instead of calls to the C
//   library's memset, byte by byte in small libraries such as picolibc (260);
// - sched-pressure: scheduling that minds register pressure keeps SHA-256's working variables in
//   registers instead of spilling them to the stack (1,000).
// Warnings its preamble always has are silenced in it alone, so it builds with -Wall -Wextra -Werror.
const PRELUDE = `/* native/build.ts: -O2 tuned, bounds check and address replaced (MEMCHECK_DEFAULT32, MEM_ADDR),
   preamble warnings silenced. */
#if defined(__GNUC__)
#pragma GCC optimize("O2", "no-tree-vectorize", "no-tree-loop-distribute-patterns", "sched-pressure")
#pragma GCC diagnostic ignored "-Wunused-function"  /* helpers for opcodes the core does not use */
#pragma GCC diagnostic ignored "-Wunused-parameter" /* functions that ignore their instance */
#pragma GCC diagnostic ignored "-Wunused-value"     /* TRAP(x) is (wasm_rt_trap(x), 0) used as a statement */
#endif
`;

/** Bytes the device must back: used() rounded up, after checking the core keeps to the ABI. */
export function backedBytes(wasm: Uint8Array): number {
  const module = new WebAssembly.Module(wasm);
  const imports = WebAssembly.Module.imports(module);
  if (imports.length > 0) {
    const names = imports.map((i) => `${i.module}.${i.name}`).join(", ");
    throw new Error(`build:c: core.wasm must not import anything (found ${names}); build it without assertions`);
  }
  const core = new WebAssembly.Instance(module).exports;
  const used = core.used();
  for (const area of ["in_ptr", "out_ptr"]) {
    if (core[area]() + AREA_BYTES > used) throw new Error(`build:c: ${area}() + ${AREA_BYTES} lies beyond used() = ${used}`);
  }
  return Math.ceil(used / BACKED_GRANULE) * BACKED_GRANULE;
}

/** Runs wasm2c on `wasmPath` into `source` (and its .h), then applies our bounds check, addressing and prelude. */
export function wasmToC(wasmPath: string, source: string, moduleName: string): void {
  execFileSync(wasm2c, [wasmPath, "-n", moduleName, "--no-debug-names", "-o", source]);
  const c = readFileSync(source, "utf8");
  if (!c.includes(WABT_MEMCHECK)) throw new Error("build:c: wasm2c's MEMCHECK_DEFAULT32 changed; update native/build.ts");
  if (!c.includes(WABT_MEM_ADDR)) throw new Error("build:c: wasm2c's MEM_ADDR changed; update native/build.ts");
  writeFileSync(source, PRELUDE + c.replace(WABT_MEMCHECK, OUR_MEMCHECK).replace(WABT_MEM_ADDR, OUR_MEM_ADDR));
}

/** Writes iotda_core.c, iotda_core.h and iotda_core_memory.h for `wasmPath` into `outDir`. */
export function generateC(wasmPath: string, outDir: string): { backed: number } {
  if (!existsSync(wasmPath)) throw new Error(`build:c: ${wasmPath} is missing; run npm run build:core first`);
  const backed = backedBytes(readFileSync(wasmPath));
  mkdirSync(outDir, { recursive: true });
  wasmToC(wasmPath, join(outDir, "iotda_core.c"), MODULE_NAME);
  writeFileSync(
    join(outDir, "iotda_core_memory.h"),
    `/* Generated by native/build.ts: the core's used() rounded up to ${BACKED_GRANULE}. */\n` +
      `#ifndef IOTDA_CORE_MEMORY_BYTES\n#define IOTDA_CORE_MEMORY_BYTES ${backed}\n#endif\n`,
  );
  return { backed };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const wasmPath = join(root, "build", "core.wasm");
  const { backed } = generateC(wasmPath, join(root, "build", "wasm2c"));
  console.log(`build:c: build/wasm2c/iotda_core.c, ${backed} bytes of memory backed`);
}
