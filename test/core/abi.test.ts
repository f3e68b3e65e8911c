// The raw core ABI (assembly/index.ts) on a fresh instance of build/core.wasm, as the C binding sees it.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { CORE_URL } from "../../lib/signer";
import { MESSAGES, UTF8 } from "../native/vectors";

const bytes = readFileSync(CORE_URL);
const module = new WebAssembly.Module(bytes);
const core = new WebAssembly.Instance(module).exports as Record<string, (...args: number[]) => number> & {
  memory: WebAssembly.Memory;
};
const memory = new Uint8Array(core.memory.buffer);
const IN = core.in_ptr();
const OUT = core.out_ptr();
const text = (at: number, length: number) => Buffer.from(memory.subarray(at, at + length)).toString("latin1");

test("exports exactly the ABI and imports nothing", () => {
  assert.deepEqual(WebAssembly.Module.imports(module), []);
  const names = WebAssembly.Module.exports(module).map((e) => `${e.kind}:${e.name}`).sort();
  assert.deepEqual(names, [
    "function:credentials",
    "function:error_text",
    "function:group_secret",
    "function:hmac_hex",
    "function:in_ptr",
    "function:out_ptr",
    "function:sha256_digest",
    "function:sha256_reset",
    "function:sha256_update",
    "function:used",
    "memory:memory",
  ]);
});

test("both areas lie below used(), which stays within 4 KiB of one page", () => {
  assert.equal(core.memory.buffer.byteLength, 65536);
  assert.ok(IN + 512 <= core.used() && OUT + 512 <= core.used());
  assert.ok(IN + 512 <= OUT || OUT + 512 <= IN, "areas overlap");
  assert.ok(core.used() <= 4096, `used() = ${core.used()}`);
});

test("the core touches no byte at or beyond used()", () => {
  const used = core.used();
  memory.fill(0xa5, used);
  memory.set(Buffer.from("dev1s3cret"), IN);
  assert.equal(core.credentials(4, 6, 1e12, 0, 1), 19);
  memory.set(Buffer.alloc(512, 7), IN);
  assert.equal(core.hmac_hex(200, 312), 64);
  memory.set(Buffer.from("dev1" + "A".repeat(256)), IN);
  assert.equal(core.group_secret(4, 256), 64);
  core.sha256_reset();
  assert.equal(core.sha256_update(512), 0);
  core.sha256_digest();
  assert.ok(memory.subarray(used).every((b) => b === 0xa5));
  memory.fill(0, used);
});


test("error_text gives each code's message, and nothing for other codes", () => {
  for (const [code, message] of Object.entries(MESSAGES)) assert.equal(text(OUT, core.error_text(Number(code))), message);
  for (const code of [0, 1, 64, -15, -2147483648]) assert.equal(core.error_text(code), 0);
});

test("credentials checks lengths before reading, and writes nothing on failure", () => {
  const cases: [number, number, number, number, number, number][] = [
    [0, 8, 0, 0, 1, -1],
    [129, 8, 0, 0, 1, -2],
    [-1, 8, 0, 0, 1, -2],
    [0x7fffffff, 0x7fffffff, 0, 0, 1, -2],
    [4, 0, 0, 0, 1, -4],
    [4, 257, 0, 0, 1, -5],
    [4, -1, 0, 0, 1, -5],
    [4, 8, -0.5, 0, 1, -6],
    [4, 8, 0, 3, 1, -7],
    [4, 8, 0, -1, 1, -7],
    [4, 8, 0, 0, 2, -8],
    [4, 8, 0, 0, -1, -8],
  ];
  memory.set(Buffer.from("dev112345678"), IN);
  for (const [idLength, secretLength, ms, authType, signType, code] of cases) {
    memory.fill(0x5a, OUT, OUT + 512);
    assert.equal(core.credentials(idLength, secretLength, ms, authType, signType), code, `case ${[idLength, secretLength, ms]}`);
    assert.ok(memory.subarray(OUT, OUT + 512).every((b) => b === 0x5a), `output written for code ${code}`);
  }
});

test("credentials takes a secret that is well-formed UTF-8 and refuses any other, by name", () => {
  const signWith = (secretHex: string) => {
    const secret = Buffer.from(secretHex, "hex");
    memory.set(Buffer.concat([Buffer.from("dev1"), secret]), IN);
    return core.credentials(4, secret.length, 0, 0, 1);
  };
  for (const secret of UTF8.valid) assert.equal(signWith(secret), 19, secret);
  for (const secret of UTF8.invalid) assert.equal(signWith(secret), -11, secret);
  // The first failing field wins: a long secret is refused for its length, before its bytes are read.
  assert.equal(signWith("ff".repeat(257)), -5);
});

test("hmac_hex and sha256_update refuse more than the input area", () => {
  for (const [key, message] of [[513, 0], [0, 513], [256, 257], [-1, 0], [0, -1], [0x7fffffff, 2]]) {
    assert.equal(core.hmac_hex(key, message), -10);
  }
  assert.equal(core.hmac_hex(0, 512), 64);
  assert.equal(core.hmac_hex(512, 0), 64);
  assert.equal(core.sha256_update(513), -10);
  assert.equal(core.sha256_update(-1), -10);
});
