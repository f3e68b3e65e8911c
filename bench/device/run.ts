// `npm run bench:device`: the wasm2c core on a simulated rv32imc (QEMU virt, -icount, semihosting):
// instructions per iotda_sign call, the firmware's path, first; then per signing on the bare core,
// next to a plain C HMAC-SHA256, per KiB hashed by the core's streaming SHA-256 (verifying an OTA
// download), and code sizes. A benchmark, not a test. Last line: one JSON object.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { generateC } from "../../native/build";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const here = join(root, "bench", "device");
const native = join(root, "native");
const RV_SPECS = "/usr/lib/picolibc/riscv64-unknown-elf/picolibc.specs";
const XTENSA_SPECS = "/usr/lib/xtensa-lx106-elf/picolibc.specs";
const COMMON = ["-Wall", "-Wextra", "-Werror", "-ffunction-sections", "-fdata-sections"];
const RV = ["-march=rv32imc", "-mabi=ilp32", ...COMMON, `--specs=${RV_SPECS}`];
// QEMU virt has its RAM at 0x80000000: code and data both live there.
const LINK = [
  "--oslib=semihost",
  "--crt0=semihost",
  "-Wl,--gc-sections",
  "-Wl,--defsym=__flash=0x80000000,--defsym=__flash_size=0x100000",
  "-Wl,--defsym=__ram=0x80100000,--defsym=__ram_size=0x100000",
  "-Wl,--defsym=__stack_size=0x4000", // room below the harness for the painted stack measurement
  "-Wl,--wrap=malloc,--wrap=calloc", // the harness counts heap allocations on the device path
];

const found = (tool: string) => spawnSync(tool, ["--version"]).status === 0;
if (!found("riscv64-unknown-elf-gcc") || !found("qemu-system-riscv32") || !existsSync(RV_SPECS)) {
  console.log("bench:device: install the cross tools with scripts/setup-system.sh --cross");
  process.exit(0);
}

const work = mkdtempSync(join(tmpdir(), "iotda-bench-device-"));
const { backed } = generateC(join(root, "build", "core.wasm"), work);
const sources = {
  core: join(work, "iotda_core.c"),
  runtime: join(native, "wasm-rt-impl.c"),
  signer: join(native, "iotda_signer.c"),
  plainC: join(here, "hmac_sha256.c"),
};

function compile(gcc: string, flags: string[], source: string, suffix: string): string {
  const object = join(work, basename(source).replace(/\.c$/, `.${suffix}.o`));
  execFileSync(gcc, [...flags, "-I", work, "-I", native, "-I", here, "-c", source, "-o", object], { stdio: ["ignore", "inherit", "inherit"] });
  return object;
}

/** Berkeley "text" of an object: code plus read-only data, unused functions included. */
function objectText(size: string, object: string): number {
  const out = execFileSync(size, [object], { encoding: "utf8" });
  return Number(out.trim().split("\n")[1].trim().split(/\s+/)[0]);
}

/** Code and read-only data each object keeps in the linked image (after --gc-sections), from the map. */
function linkedBytes(map: string, object: string): { code: number; rodata: number } {
  const memoryMap = map.slice(map.indexOf("Linker script and memory map"));
  const bytes = { code: 0, rodata: 0 };
  // An input section line, its name sometimes wrapped onto a line of its own: " .text.f 0xaddr 0xsize file"
  for (const [, name, size, file] of memoryMap.matchAll(/^ (\.[\w.$]+)\s+0x[0-9a-f]+\s+0x([0-9a-f]+)\s+(\S+)$/gm)) {
    if (file !== object) continue;
    if (name.startsWith(".text")) bytes.code += parseInt(size, 16);
    else if (name.includes("rodata")) bytes.rodata += parseInt(size, 16);
  }
  return bytes;
}

/** Builds the harness with `optimize` flags (and `extra` sources linked ahead of the C library); returns the ELF, objects and map. */
function build(tag: string, optimize: string[], extra: string[] = [], harness: string[] = []) {
  const flags = [...RV, ...optimize];
  const objects = Object.fromEntries(Object.entries(sources).map(([name, source]) => [name, compile("riscv64-unknown-elf-gcc", flags, source, tag)]));
  const others = [join(here, "harness.c"), ...extra].map((source, i) => compile("riscv64-unknown-elf-gcc", i ? flags : [...flags, ...harness], source, tag));
  const elf = join(work, `bench.${tag}.elf`);
  const map = join(work, `bench.${tag}.map`);
  execFileSync("riscv64-unknown-elf-gcc", [...flags, ...LINK, `-Wl,-Map=${map}`, ...Object.values(objects), ...others, "-o", elf]);
  return { elf, objects, map: readFileSync(map, "utf8") };
}

/** build(), then runs it in QEMU; returns its counts, objects and map. */
function buildAndRun(tag: string, optimize: string[], extra: string[] = []) {
  const { elf, objects, map } = build(tag, optimize, extra);
  const qemu = spawnSync(
    "qemu-system-riscv32",
    ["-machine", "virt", "-bios", "none", "-icount", "shift=0", "-nographic", "-semihosting-config", "enable=on,target=native", "-kernel", elf],
    { encoding: "utf8", timeout: 120_000 },
  );
  const output = qemu.stdout + qemu.stderr; // the semihosting console arrives on stderr
  if (qemu.status !== 0 || output.includes("mismatch")) {
    process.stdout.write(output);
    console.error(`bench:device: the simulated run failed (status ${qemu.status ?? qemu.signal}); its build is in ${work}`);
    process.exit(1);
  }
  const counts = Object.fromEntries(
    output
      .split("\n")
      .map((line) => line.trim().split(" "))
      .filter((words) => words.length === 2 && /^\d+$/.test(words[1]))
      .map(([name, value]) => [name, Number(value)]),
  );
  return { output, counts, objects, map };
}

const { output, counts, objects, map } = buildAndRun("rv32", ["-O2"]);
process.stdout.write(output);
// The same with a C library that copies and fills word by word, as the ESP32's does.
const wordLibc = buildAndRun("wordlibc", ["-O2"], [join(here, "libc_word.c")]).counts;
// Moddable's ESP32 flags for app C: the generated file raises itself to -O2 (native/build.ts).
const moddable = buildAndRun("moddable", ["-Os", "-fno-inline-functions", "-fno-jump-tables"]).counts;

const linkedIn = (built: { objects: Record<string, string>; map: string }) =>
  Object.fromEntries(Object.entries(built.objects).map(([name, object]) => [name, linkedBytes(built.map, object)]));
/** What the firmware links of ours: core, runtime and signer (not the plain C reference). */
const firmwareBytes = (bytes: Record<string, { code: number; rodata: number }>) =>
  ["core", "runtime", "signer"].reduce((sum, name) => sum + bytes[name].code + bytes[name].rodata, 0);
const linked = linkedIn({ objects, map });
// What a firmware without the OTA feature keeps: --gc-sections drops the streaming hash no one calls.
const signOnly = linkedIn(build("signonly", ["-O2"], [], ["-DSIGN_ONLY"]));
const objectTextBytes = Object.fromEntries(Object.entries(objects).map(([name, object]) => [name, objectText("riscv64-unknown-elf-size", object)]));
const coreAndRuntime = linked.core.code + linked.core.rodata + linked.runtime.code + linked.runtime.rodata;

// Xtensa lx106 (ESP8266): not the ESP32's LX6, but the nearest compiler Debian ships. Sizes only.
const xtensa =
  found("xtensa-lx106-elf-gcc") && existsSync(XTENSA_SPECS)
    ? Object.fromEntries(
        Object.entries(sources).map(([name, source]) => [
          name,
          objectText("xtensa-lx106-elf-size", compile("xtensa-lx106-elf-gcc", [...COMMON, "-O2", "-mlongcalls", `--specs=${XTENSA_SPECS}`], source, "lx106")),
        ]),
      )
    : undefined;

const codeBytes = firmwareBytes(linked);
const signOnlyBytes = firmwareBytes(signOnly);
console.log(
  `rv32imc instructions per iotda_sign call, the firmware's path (picolibc): ${counts.device_call_new_hour} in a new hour, ` +
    `${counts.device_call_same_hour} re-signing in the same hour; the first call after boot or a trap ${counts.device_call_first} ` +
    `(instantiates); heap allocations ${counts.device_call_allocations}`,
);
console.log(
  `  with word-wise memcpy/memmove/memset (libc_word.c, as ESP-IDF's newlib): ${wordLibc.device_call_new_hour} new hour, ` +
    `${wordLibc.device_call_same_hour} same hour, first ${wordLibc.device_call_first}; the path allocates nothing, so no allocator enters`,
);
console.log(`rv32imc instructions per signing on the bare core: ${counts.core_cached} key cached, ${counts.core_uncached} not; plain C ${counts.reference}`);
console.log(
  `  with Moddable's ESP32 C flags (-Os -fno-inline-functions): device path ${moddable.device_call_new_hour} new hour, ` +
    `${moddable.device_call_same_hour} same hour; core ${moddable.core_cached} (hit), ${moddable.core_uncached} (miss); plain C ${moddable.reference}`,
);
console.log(
  `rv32imc bytes linked (code + rodata): core ${linked.core.code} + ${linked.core.rodata}, runtime ${linked.runtime.code} + ${linked.runtime.rodata}` +
    `, signer ${linked.signer.code} + ${linked.signer.rodata} = ${codeBytes}; plain C ${linked.plainC.code} + ${linked.plainC.rodata}`,
);
console.log(
  `  without the OTA feature (nothing calls iotda_sha256_*, --gc-sections): core ${signOnly.core.code} + ${signOnly.core.rodata}, ` +
    `runtime ${signOnly.runtime.code} + ${signOnly.runtime.rodata}, signer ${signOnly.signer.code} + ${signOnly.signer.rodata} = ${signOnlyBytes} ` +
    `(the streaming hash: ${codeBytes - signOnlyBytes})`,
);
console.log(`rv32imc object .text (every export, before --gc-sections): ${JSON.stringify(objectTextBytes)}`);
if (xtensa) console.log(`xtensa-lx106 object .text: ${JSON.stringify(xtensa)}`);
console.log(
  `rv32imc instructions per KiB hashed (iotda_sha256_update in 1 KiB pieces, the OTA download's path): ${counts.hash_per_kib}, ` +
    `heap allocations ${counts.hash_allocations}; plain C ${counts.reference_hash_per_kib}; with Moddable's flags ${moddable.hash_per_kib}`,
);
console.log(
  `RAM: ${counts.instance_bytes} bytes of static memory for the life of the program (the kept instance; ${backed} of it backed Wasm memory), ` +
    `no heap; ~${counts.stack_bytes} bytes of stack during a call`,
);
console.log(
  JSON.stringify({
    target: "rv32imc",
    device_call_new_hour: counts.device_call_new_hour,
    device_call_same_hour: counts.device_call_same_hour,
    device_call_first: counts.device_call_first,
    device_call_allocations: counts.device_call_allocations,
    word_libc: {
      device_call_new_hour: wordLibc.device_call_new_hour,
      device_call_same_hour: wordLibc.device_call_same_hour,
      device_call_first: wordLibc.device_call_first,
    },
    code_bytes: codeBytes,
    code_bytes_without_ota: signOnlyBytes,
    hash_per_kib: counts.hash_per_kib,
    hash_allocations: counts.hash_allocations,
    reference_hash_per_kib: counts.reference_hash_per_kib,
    moddable_hash_per_kib: moddable.hash_per_kib,
    instructionsPerSigning: {
      coreCached: counts.core_cached,
      coreUncached: counts.core_uncached,
      plainC: counts.reference,
      moddableFlags: {
        deviceCallNewHour: moddable.device_call_new_hour,
        deviceCallSameHour: moddable.device_call_same_hour,
        coreCached: moddable.core_cached,
        coreUncached: moddable.core_uncached,
        plainC: moddable.reference,
      },
    },
    linkedBytes: { ...linked, coreAndRuntime },
    linkedBytesWithoutOta: signOnly,
    objectTextBytes,
    ...(xtensa && { xtensaLx106ObjectTextBytes: xtensa }),
    ramBytes: { staticInstance: counts.instance_bytes, backedMemory: backed, heap: 0, stack: counts.stack_bytes },
  }),
);
rmSync(work, { recursive: true, force: true });
