// The XS globals of the host board: trace, native("xs_iotda_credentials") on the real core,
// ArrayBuffer.fromString / String.fromArrayBuffer, and a Date that follows Time.set.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { test } from "node:test";
import "../../boards/host/globals";
import Time from "../../boards/host/modules/time";
import { credentialsAt } from "../fixtures/iotda";

test("trace writes its arguments to stdout, concatenated, with no newline added", () => {
	const written: string[] = [];
	const write = process.stdout.write;
	process.stdout.write = ((chunk: string) => {
		written.push(chunk);
		return true;
	}) as typeof write;
	try {
		trace("a", 1, true);
		trace("b\n");
	}
	finally {
		process.stdout.write = write;
	}
	assert.deepEqual(written, ["a1true", "b\n"]);
});

test("native('xs_iotda_credentials') signs Huawei's vector like the device binding", () => {
	const credentials = native("xs_iotda_credentials");
	const at = Date.UTC(2025, 3, 14, 1, 30);
	const signed = credentials("dev_1", "12345678", at, 0, 1);
	assert.equal(signed.password, "c75150e6cb841417396819e4d2ee4358a416344a03a083e3a8567074ddec820a");
	assert.deepEqual({ ...signed }, credentialsAt("dev_1", "12345678", at));
	// authType and signType default to 0 and 1 only when left out.
	assert.equal(credentials("node-7", "s", at).clientId, "node-7_0_1_2025041401");
	assert.equal(credentials("node-7", "s", at, 2, 0).clientId, "node-7_2_0_2025041401");
	assert.throws(() => credentials("node-7", "s", at, undefined), { name: "Error", message: "authType: must be 0, 1 or 2" });
});

test("native('xs_iotda_credentials') refuses bad input with the field and limit, never the value", () => {
	const credentials = native("xs_iotda_credentials");
	const at = Date.UTC(2025, 3, 14, 1);
	assert.throws(() => credentials("", "12345678", at, 0, 1), { name: "Error", message: "deviceId: must not be empty" });
	assert.throws(() => credentials("dev 1", "12345678", at, 0, 1), { message: "deviceId: only letters, digits, '_' and '-'" });
	assert.throws(() => credentials("dev", "x".repeat(257), at, 0, 1), { message: "secret: at most 256 bytes" });
	assert.throws(() => credentials("dev", "s", at, 0, 2), { message: "signType: must be 0 or 1" });
	assert.throws(() => credentials("dev", 12345678, at), { name: "TypeError", message: "secret: must be a string" });
	assert.throws(() => credentials("dev", "s", new Date(at)), { name: "TypeError", message: "time: must be a number" });
	assert.throws(() => native("xs_no_such_function"), /no host function/);
});

test("ArrayBuffer.fromString and String.fromArrayBuffer are UTF-8", () => {
	const buffer = ArrayBuffer.fromString("héllo €");
	assert.ok(buffer instanceof ArrayBuffer);
	assert.deepEqual(new Uint8Array(buffer), new Uint8Array(Buffer.from("héllo €")));
	assert.equal(String.fromArrayBuffer(buffer), "héllo €");
	assert.equal(String.fromArrayBuffer(new ArrayBuffer(0)), "");
	assert.throws(() => String.fromArrayBuffer(Uint8Array.of(0xc3, 0x28).buffer), { name: "TypeError", message: "invalid UTF-8" });
	assert.throws(() => String.fromArrayBuffer(Uint8Array.of(0x41) as unknown as ArrayBuffer), { name: "TypeError" });
	assert.throws(() => (ArrayBuffer.fromString as () => ArrayBuffer)(), { name: "TypeError" });
	// as XS gives them: U+0000 as 00, a lone surrogate in its own 3 bytes (not U+FFFD), a pair as 4
	const bytes = (text: string) => Array.from(new Uint8Array(ArrayBuffer.fromString(text)));
	assert.deepEqual(bytes("a\0b"), [0x61, 0, 0x62]);
	assert.deepEqual(bytes("\uD800"), [0xED, 0xA0, 0x80]);
	assert.deepEqual(bytes("x\uDFFF\uD83D\uDE00\uDBFF"), [0x78, 0xED, 0xBF, 0xBF, 0xF0, 0x9F, 0x98, 0x80, 0xED, 0xAF, 0xBF]);
	assert.deepEqual(bytes("\uDE00\uD83D"), [0xED, 0xB8, 0x80, 0xED, 0xA0, 0xBD]);
	assert.equal(Object.keys(globalThis).includes("trace"), false, "globals are not enumerable");
});

test("Time.set moves the clock Date reads; explicit dates and the tick counter are untouched", () => {
	const ticks = Time.ticks;
	Time.set(1_000_000_000);		// 2001-09-09T01:46:40Z
	try {
		assert.ok(Math.abs(Date.now() - 1_000_000_000_000) < 1000);
		assert.ok(Math.abs(new Date().getTime() - 1_000_000_000_000) < 1000);
		assert.match(Date(), /2001/);
		assert.equal(new Date(0).toISOString(), "1970-01-01T00:00:00.000Z");
		assert.equal(Date.UTC(2025, 0, 1), 1735689600000);
		assert.ok(new Date() instanceof Date);
		assert.ok(Time.delta(ticks) >= 0 && Time.delta(ticks) < 1000, "ticks do not jump with the clock");
	}
	finally {
		Time.set(Math.round(performance.timeOrigin + performance.now()) / 1000);
	}
	assert.ok(Math.abs(Date.now() - (performance.timeOrigin + performance.now())) < 1500);
});

test("Time.delta is right across the 32-bit wrap of ticks", () => {
	assert.equal(Time.delta(0x7fffff00, 0x80000010 | 0), 0x110);
	assert.equal(Time.delta(5, 20), 15);
	assert.equal(typeof Time.microseconds, "number");
});

test("HOST_CLOCK=unset boots the board clock at 1970, like a board before SNTP", () => {
	const script = `import "./boards/host/globals.ts"; process.stdout.write(String(Date.now()));`;
	const now = Number(execFileSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
		cwd: new URL("../..", import.meta.url),
		env: { ...process.env, HOST_CLOCK: "unset" },
		encoding: "utf8",
	}));
	assert.ok(now >= 0 && now < 60_000, `board clock at ${now} ms`);
});
