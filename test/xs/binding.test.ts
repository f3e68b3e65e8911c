// native/xs_iotda.c in the XS engine, compiled against its xsmc.h and run with a collection before
// every allocation (mxStress), beside the host board's stand-in on Node: credentials, defaults, bad
// input, the bytes of the secret the core is given, and what the call leaves on the C stack.
import assert from "node:assert/strict";
import { before, test } from "node:test";
import { credentialsAt } from "../fixtures/iotda";
import { HUAWEI, MESSAGES } from "../native/vectors";
import { type EngineName, ENGINES, runOnEngines } from "./engine";
import type { Arg, Input, Output, Reply } from "./scenarios/binding";

const secret = "never-in-a-message";
const time = HUAWEI.time;

const good = [
	{ deviceId: "dev1", secret: HUAWEI.secret, time, authType: 0, signType: 1 },
	{ deviceId: "5a9e_node-1", secret: "s3cret! \u00e9\u4e2d", time: Date.parse("2018-07-24T17:56:20Z"), authType: 2, signType: 0 },
	{ deviceId: "x".repeat(128), secret: "y".repeat(256), time: 0, authType: 1, signType: 1 },
];
const bad: [Arg[], string][] = [
	[["dev 1", secret, time], `Error: ${MESSAGES[-3]}`],
	[["dev\u0000x", secret, time], `Error: ${MESSAGES[-3]}`],	// the NUL is part of the id, whatever XS keeps it as
	[["", secret, time], `Error: ${MESSAGES[-1]}`],
	[["d".repeat(600), secret, time], `Error: ${MESSAGES[-2]}`],
	[["dev1", "s".repeat(300), time], `Error: ${MESSAGES[-5]}`],
	[["dev1", secret, "NaN"], `Error: ${MESSAGES[-6]}`],
	[["dev1", secret, time, 1.5], `Error: ${MESSAGES[-7]}`],
	[["dev1", secret, time, 0, 2], `Error: ${MESSAGES[-8]}`],
	[["dev1", secret, time, "0"], `Error: ${MESSAGES[-7]}`],
	[["dev1", secret, time, { undefined: true }], `Error: ${MESSAGES[-7]}`],	// only a missing argument takes the default
	[["dev1", 42, time], "TypeError: secret: must be a string"],
	[[], "TypeError: deviceId: must be a string"],
	[["dev1", secret, "now"], "TypeError: time: must be a number"],
];
// Secrets of every UTF-8 length class, with NUL, and with surrogates alone or paired.
const corpus: { name: string; secret: string; concat?: string; wellFormed: boolean }[] = [
	{ name: "ASCII", secret: "plain-ASCII-secret_0123", wellFormed: true },
	{ name: "NUL inside", secret: "nul\u0000inside", wellFormed: true },
	{ name: "NUL first and last", secret: "\u0000x\u0000", wellFormed: true },
	{ name: "2-byte characters", secret: "é ß ü", wellFormed: true },
	{ name: "3-byte characters", secret: "中文 €", wellFormed: true },
	{ name: "4-byte characters", secret: "😀 𐍈 \u{10FFFF}", wellFormed: true },
	{ name: "a pair made by concatenation", secret: "x\uD83D", concat: "\uDE00y", wellFormed: true },
	{ name: "lone high surrogate", secret: "a\uD800b", wellFormed: false },
	{ name: "lone low surrogate", secret: "a\uDC00b", wellFormed: false },
	{ name: "lone high surrogate at the end", secret: "end\uDBFF", wellFormed: false },
	{ name: "low then high", secret: "\uDC00\uD800", wellFormed: false },
	{ name: "lone high, then a pair", secret: "\uD83D\uD83D\uDE00", wellFormed: false },
];

const input: Input = {
	calls: [...good.map(c => [c.deviceId, c.secret, c.time, c.authType, c.signType]), ["dev1", HUAWEI.secret, time], ...bad.map(([args]) => args)],
	corpus: corpus.map(({ secret, concat }) => ({ deviceId: "dev1", secret, concat })),
	time,
};

// What the core gets for a JS string: its UTF-8 with NUL as 00 and a lone surrogate in its 3-byte form.
function wtf8(text: string): string {
	const bytes: number[] = [];
	for (let i = 0; i < text.length; i++) {
		const c = text.codePointAt(i)!;
		if (c < 0x80) bytes.push(c);
		else if (c < 0x800) bytes.push(0xC0 | (c >> 6), 0x80 | (c & 0x3F));
		else if (c < 0x10000) bytes.push(0xE0 | (c >> 12), 0x80 | ((c >> 6) & 0x3F), 0x80 | (c & 0x3F));
		else {
			bytes.push(0xF0 | (c >> 18), 0x80 | ((c >> 12) & 0x3F), 0x80 | ((c >> 6) & 0x3F), 0x80 | (c & 0x3F));
			i++;
		}
	}
	return Buffer.from(bytes).toString("hex");
}

const ok = (deviceId: string, secret: string, ms: number, authType = 0, signType = 1): Reply => ({ ok: credentialsAt(deviceId, secret, ms, authType, signType) });

let results: Record<EngineName, Output>;

before(async () => {
	results = await runOnEngines<Input, Output>("scenarios/binding.ts", input, { stressXs: true });
});

test("XS (collecting before every allocation) and Node: credentials, with the defaults authType 0 and signType 1", () => {
	for (const engine of ENGINES) {
		const replies = results[engine].replies;
		assert.deepEqual(replies.slice(0, good.length), good.map(c => ok(c.deviceId, c.secret, c.time, c.authType, c.signType)), engine);
		assert.deepEqual(replies[good.length], replies[0], `${engine}: the defaults`);
		assert.deepEqual(replies[0], { ok: { clientId: `dev1_0_1_${HUAWEI.timestamp}`, username: "dev1", password: HUAWEI.password, timestamp: HUAWEI.timestamp } }, engine);
	}
});

test("XS and Node: bad input throws the core's message, or a TypeError for a wrong JS type, never the secret", () => {
	for (const engine of ENGINES) {
		const replies = results[engine].replies.slice(good.length + 1);
		assert.deepEqual(replies, bad.map(([, error]) => ({ error })), engine);
		assert.ok(!JSON.stringify(replies).includes(secret), engine);
	}
});

test("XS and Node: secrets with NUL and characters of every UTF-8 length sign like node:crypto over their UTF-8; lone surrogates are refused alike", () => {
	for (const engine of ENGINES)
		corpus.forEach(({ name, secret, concat, wellFormed }, i) => {
			const expected = wellFormed ? ok("dev1", secret + (concat ?? ""), time) : { error: `Error: ${MESSAGES[-11]}` };
			assert.deepEqual(results[engine].corpus[i].reply, expected, `${engine}: ${name}`);
		});
});

test("XS: the binding hands iotda_sign each string's WTF-8: NUL as 00, a pair as 4 bytes, a lone surrogate as 3", () => {
	corpus.forEach(({ name, secret, concat }, i) => {
		const { deviceIdBytes, secretBytes } = results.xs.corpus[i];
		assert.equal(deviceIdBytes, wtf8("dev1"), name);
		assert.equal(secretBytes, wtf8(secret + (concat ?? "")), name);
	});
});

test("XS: after a call neither the password nor the secret is left in the C stack the call used", () => {
	corpus.forEach(({ name }, i) => {
		const { passwordCopies, secretCopies } = results.xs.corpus[i];
		assert.deepEqual({ passwordCopies, secretCopies }, { passwordCopies: 0, secretCopies: 0 }, name);
	});
});
