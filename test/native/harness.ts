// Generates C from build/core.wasm for the native suites, builds harness.c against it, and talks to
// a harness process: one request line in, one reply line out.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { generateC, wasmToC } from "../../native/build";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const native = join(root, "native");

/** A directory holding iotda_core.c, trap.c and their headers, generated for this test run. */
export function generateSources(): { dir: string } {
  const dir = mkdtempSync(join(tmpdir(), "iotda-native-"));
  generateC(join(root, "build", "core.wasm"), dir);
  const trapWasm = join(dir, "trap.wasm");
  execFileSync(join(root, "node_modules", ".bin", "wat2wasm"), [join(root, "test", "native", "trap.wat"), "-o", trapWasm]);
  wasmToC(trapWasm, join(dir, "trap.c"), "trap");
  return { dir };
}

/**
 * Whether gcc with `flags` builds a program here and how to run it: directly, or through QEMU's user
 * mode when the kernel has no 32-bit support (-m32 on such a machine); `reason` says why not.
 */
export function probe(dir: string, flags: string[]): { builds: boolean; runner?: string[]; reason: string } {
  const source = join(dir, "probe.c");
  writeFileSync(source, "#include <stdio.h>\nint main(void) { return puts(\"\") < 0; }\n");
  const exe = join(dir, `probe${flags.join("")}`);
  const built = spawnSync("gcc", [...flags, source, "-o", exe], { encoding: "utf8" });
  if (built.status !== 0) return { builds: false, reason: `gcc ${flags.join(" ")} cannot build here: ${built.stderr.split("\n")[0] || built.error}` };
  for (const runner of [[], ...(flags.includes("-m32") ? [["qemu-i386"]] : [])])
    if (spawnSync(runner[0] ?? exe, [...runner.slice(1), ...(runner.length ? [exe] : [])]).status === 0) return { builds: true, runner, reason: "" };
  return { builds: true, reason: `gcc ${flags.join(" ")} builds, but this machine cannot run the program (for -m32 install qemu-user: scripts/setup-system.sh)` };
}

/** Compiles the harness with `flags` (plus -Wall -Wextra -Werror) into `dir`; returns the executable. */
export function compileHarness(dir: string, name: string, flags: string[]): string {
  const exe = join(dir, name);
  const sources = [
    join(root, "test", "native", "harness.c"), // includes native/iotda_signer.c
    join(native, "wasm-rt-impl.c"),
    join(dir, "iotda_core.c"),
    join(dir, "trap.c"),
  ];
  execFileSync("gcc", ["-Wall", "-Wextra", "-Werror", ...flags, "-I", dir, "-I", native, ...sources, "-o", exe, "-lm"], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  return exe;
}

/** Sends request lines to one harness process (started through `runner`, if any); returns its reply lines. */
export function ask(exe: string, requests: string[], runner: string[] = []): string[] {
  const [command, ...args] = [...runner, exe];
  const run = spawnSync(command, args, { input: requests.join("\n") + "\n", encoding: "utf8", maxBuffer: 1 << 26 });
  if (run.status !== 0) throw new Error(`${exe} exited with ${run.status ?? run.signal}: ${run.stderr}`);
  const replies = run.stdout.trimEnd().split("\n");
  if (replies.length !== requests.length) throw new Error(`${requests.length} requests, ${replies.length} replies`);
  return replies;
}

export const hex = (bytes: Uint8Array | string): string => (bytes.length === 0 ? "-" : Buffer.from(bytes).toString("hex"));
