// The XS engine of the test suites and the bench. buildXsHost() compiles test/xs/host.c with the XS
// sources that @agoric/xsnap ships, our binding (native/xs_iotda.c) and the core's generated C, and
// caches the program under build/xs/ by a hash of every input, so only the first run (or a changed
// input) compiles. runScenario() bundles a scenario module (see scenario.ts) with esbuild and runs it
// on XS or on Node.
import { execFile, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { availableParallelism } from "node:os";
import { basename, dirname, join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { build, type Plugin } from "esbuild";
import { SPECIFIERS } from "../../boards/host/modules";
import { generateC } from "../../native/build";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const here = join(root, "test", "xs");
const native = join(root, "native");
const xsnap = join(root, "node_modules", "@agoric", "xsnap");
const xs = join(xsnap, "moddable", "xs");
const platform = join(xsnap, "xsnap-native", "xsnap", "sources");
const cache = join(root, "build", "xs");
const run = promisify(execFile);

// The engine as the device has it (platform.h: UTF-8 strings), plus metering, a collection before
// every allocation on request (mxStress, host.c --stress) and the bounds checks of a debug build.
const XS_DEFINES = [
  "-DINCLUDE_XSPLATFORM", '-DXSPLATFORM="platform.h"', "-DmxParse=1", "-DmxRun=1",
  "-DmxMetering=1", "-DmxStress=1", "-DmxBoundsCheck=1",
];
const INCLUDES = [here, join(xs, "includes"), join(xs, "platforms"), join(xs, "sources"), platform, native];
const ENGINE_FLAGS = ["-O2", "-w", ...XS_DEFINES];
// Ours at -O2 like the issue that found the dead-store wipe, and without warnings.
const OUR_FLAGS = ["-O2", "-Wall", "-Wextra", "-Werror", "-Wno-unused-parameter", ...XS_DEFINES];
// The wraps: what iotda_sign() was given, and the string bytes XS scans to index by character.
const WRAPPED = ["iotda_sign", "fxUnicodeLength", "fxUnicodeToUTF8Offset", "fxUTF8ToUnicodeOffset"];
const LINK = [`-Wl,${WRAPPED.map((name) => `--wrap=${name}`).join(",")}`, "-lm", "-ldl", "-lpthread"];

const hashFiles = (hash: ReturnType<typeof createHash>, files: string[]) => {
  for (const file of files.sort()) hash.update(relative(root, file)).update("\0").update(readFileSync(file)).update("\0");
};
const filesIn = (dir: string, pattern: RegExp) => readdirSync(dir).filter((name) => pattern.test(name)).map((name) => join(dir, name));

let built: Promise<string> | undefined;

/** The path of the XS host program, compiled on first use (about 12 s on two cores) and cached. */
export function buildXsHost(): Promise<string> {
  built ??= compile();
  return built;
}

async function compile(): Promise<string> {
  if (!existsSync(join(xs, "sources", "xsAll.c")))
    throw new Error("XS host: node_modules/@agoric/xsnap is missing its XS sources; run npm ci");
  const generated = join(cache, "wasm2c");
  generateC(join(root, "build", "core.wasm"), generated);
  const engine = [...filesIn(join(xs, "sources"), /^xs.*\.c$/), join(platform, "xsnapPlatform.c")];
  const ours = [join(here, "host.c"), ...["xs_iotda.c", "iotda_signer.c", "wasm-rt-impl.c"].map((name) => join(native, name)), join(generated, "iotda_core.c")];
  const headers = [...INCLUDES, generated].flatMap((dir) => filesIn(dir, /\.h$/));
  const gcc = await run("gcc", ["--version"]).then(({ stdout }) => stdout, () => {
    throw new Error("XS host: gcc is needed to build the XS engine; install it (scripts/setup-system.sh)");
  });
  const hash = createHash("sha256").update(gcc).update(JSON.stringify([ENGINE_FLAGS, OUR_FLAGS, LINK]));
  hashFiles(hash, [...engine, ...ours, ...headers]);
  const dir = join(cache, `host-${hash.digest("hex").slice(0, 16)}`);
  const exe = join(dir, "xs-host");
  if (existsSync(exe)) return exe;

  mkdirSync(cache, { recursive: true });
  const work = mkdtempSync(join(cache, "tmp-"));
  try {
    const includes = [...INCLUDES, generated].flatMap((include) => ["-I", include]);
    const jobs = [...engine.map((source) => [source, ENGINE_FLAGS]), ...ours.map((source) => [source, OUR_FLAGS])] as [string, string[]][];
    const objects: string[] = [];
    const next = async (): Promise<void> => {
      const job = jobs.shift();
      if (!job) return;
      const object = join(work, `${objects.length}-${basename(job[0], ".c")}.o`);
      objects.push(object);
      await run("gcc", [...job[1], ...includes, "-c", job[0], "-o", object]);
      return next();
    };
    await Promise.all(Array.from({ length: availableParallelism() }, next));
    await run("gcc", [...objects, "-o", join(work, "xs-host"), ...LINK]);
    for (const object of objects) rmSync(object);
    for (const old of filesIn(cache, /^host-/)) rmSync(old, { recursive: true, force: true });
    try {
      renameSync(work, dir);
    } catch (error) {
      if (!existsSync(exe)) throw error; // else another process built the same inputs meanwhile
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return exe;
}

// Scenarios import the Moddable modules the app imports; both engines get our scripted stand-ins
// from test/xs/modules/, never the host board's Node ones.
const scriptedModules: Plugin = {
  name: "scripted-moddable-modules",
  setup(build) {
    const filter = new RegExp(`^(${SPECIFIERS.map((s) => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")).join("|")})$`);
    build.onResolve({ filter }, ({ path }) => {
      const file = join(here, "modules", `${path}.ts`);
      if (!existsSync(file)) return { errors: [{ text: `no scripted stand-in for "${path}" in test/xs/modules/` }] };
      return { path: file };
    });
  },
};

async function bundle(entry: string, format: "iife" | "esm", outfile: string): Promise<void> {
  await build({
    stdin: { contents: entry, resolveDir: here, sourcefile: "scenario-entry.ts", loader: "ts" },
    bundle: true,
    format,
    platform: "neutral",
    target: "esnext", // nothing lowered: XS gets the syntax the device gets from tsc (target es2025)
    banner: { js: '"use strict";' }, // the device runs modules, which are strict
    outfile,
    plugins: [scriptedModules],
    logLevel: "warning",
  });
}

export type EngineName = "xs" | "node";

/** The engines every scenario runs on, in this order. */
export const ENGINES: readonly EngineName[] = ["node", "xs"];

/** runScenario on every engine in turn; `stressXs` has XS collect before every allocation. */
export async function runOnEngines<I, O>(file: string, input: I, options: { stressXs?: boolean } = {}): Promise<Record<EngineName, O>> {
  const results = {} as Record<EngineName, O>;
  for (const engine of ENGINES)
    results[engine] = await runScenario<I, O>(file, input, engine, { stress: (options.stressXs ?? false) && engine === "xs" });
  return results;
}

/**
 * Runs `run(input)` of the scenario module `file` (relative to test/xs/) on one engine and returns its
 * result through JSON; `stress` (XS) collects before every allocation.
 */
export async function runScenario<I, O>(file: string, input: I, engine: EngineName, options: { stress?: boolean } = {}): Promise<O> {
  const scenario = JSON.stringify(resolve(here, file));
  mkdirSync(cache, { recursive: true });
  const work = mkdtempSync(join(cache, `run-${basename(file, ".ts")}-`));
  try {
    if (engine === "node") {
      // The device's globals as the host board serves them (native() is the .wasm binding).
      await import("../../boards/host/globals");
      const out = join(work, "scenario.mjs");
      await bundle(`export { run } from ${scenario};`, "esm", out);
      const { run } = await import(pathToFileURL(out).href);
      return JSON.parse(JSON.stringify(run(input, undefined)));
    }
    const out = join(work, "scenario.js");
    await bundle(`import { run } from ${scenario};\nxsHost.print(JSON.stringify(run(JSON.parse(${JSON.stringify(JSON.stringify(input))}), xsHost)));\n`, "iife", out);
    const stdout = await execute(await buildXsHost(), [...(options.stress ? ["--stress"] : []), out]);
    return JSON.parse(stdout.trimEnd().split("\n").at(-1)!);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** stdout of a run that exited 0; otherwise rejects with the end of its stderr. */
function execute(exe: string, args: string[]): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(exe, args, { stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [], err: Buffer[] = [];
    child.stdout.on("data", (data) => out.push(data));
    child.stderr.on("data", (data) => err.push(data));
    child.on("error", reject);
    child.on("close", (code, signal) => {
      const stdout = Buffer.concat(out).toString("utf8"), stderr = Buffer.concat(err).toString("utf8");
      if (code === 0) resolvePromise(stdout);
      else reject(new Error(`xs-host exited with ${code ?? signal}:\n${stderr.slice(-4000)}`));
    });
  });
}
