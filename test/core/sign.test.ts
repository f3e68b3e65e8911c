// sign(): time handling, limits and every error, with the exact messages of the core.
import assert from "node:assert/strict";
import { test } from "node:test";
import { coreMemory, hmacHex, sha256, sign, type SignOptions } from "../../lib/signer";
import { expectedPassword } from "../fixtures/iotda";

const SECRET = "S3cr3t-Value-Never-Printed";
const ok: SignOptions = { deviceId: "dev1", secret: SECRET, time: 0 };

function stampAt(iso: string): string {
  return sign({ ...ok, time: new Date(iso) }).timestamp;
}

test("the UTC hour of the instant", () => {
  assert.equal(stampAt("2018-07-24T17:56:20Z"), "2018072417");
  assert.equal(stampAt("2018-07-25T01:56:20+08:00"), "2018072417");
  assert.equal(stampAt("1970-01-01T00:00:00.000Z"), "1970010100");
  assert.equal(stampAt("9999-12-31T23:59:59.999Z"), "9999123123");
  assert.equal(stampAt("2024-02-29T12:00:00Z"), "2024022912");
  assert.equal(stampAt("2100-03-01T00:00:00Z"), "2100030100");
  assert.equal(stampAt("2000-02-29T23:00:00Z"), "2000022923");
});

test("time accepts a Date or epoch ms and defaults to now", () => {
  const ms = Date.UTC(2018, 6, 24, 17, 56, 20);
  assert.deepEqual(sign({ ...ok, time: ms }), sign({ ...ok, time: new Date(ms) }));
  const before = new Date().toISOString().slice(0, 13).replace(/[-T]/g, "");
  const now = sign({ deviceId: "dev1", secret: SECRET }).timestamp;
  const after = new Date().toISOString().slice(0, 13).replace(/[-T]/g, "");
  assert.ok(now === before || now === after, `${now} is not the current hour`);
});

test("an hour's last millisecond and the next hour's first sign with their own stamp in both fields", () => {
  for (const [ms, stamp] of [
    [Date.UTC(2018, 6, 24, 17, 59, 59, 999), "2018072417"],
    [Date.UTC(2018, 6, 24, 18), "2018072418"],
    [Date.UTC(2018, 11, 31, 23, 59, 59, 999), "2018123123"],
    [Date.UTC(2019, 0, 1), "2019010100"],
  ] as const) {
    const c = sign({ ...ok, time: ms });
    assert.equal(c.timestamp, stamp);
    assert.equal(c.clientId, `dev1_0_1_${stamp}`);
    assert.equal(c.password, expectedPassword(SECRET, stamp));
  }
});

test("authType and signType appear in the clientId", () => {
  for (const authType of [0, 1, 2]) {
    for (const signType of [0, 1]) {
      assert.equal(sign({ ...ok, authType, signType }).clientId, `dev1_${authType}_${signType}_1970010100`);
    }
  }
});

test("the limits themselves are accepted", () => {
  const deviceId = "a".repeat(128);
  const c = sign({ deviceId, secret: "s".repeat(256), time: 0 });
  assert.equal(c.clientId.length, 143);
  assert.equal(c.username, deviceId);
  // 256 bytes of UTF-8 in fewer characters.
  assert.equal(sign({ ...ok, secret: "é".repeat(128) }).password, expectedPassword("é".repeat(128), "1970010100"));
});

// Each bad input with the exact message; none may contain the secret.
const BAD: [string, Partial<Record<keyof SignOptions, unknown>>, string][] = [
  ["empty deviceId", { deviceId: "" }, "deviceId: must not be empty"],
  ["129-character deviceId", { deviceId: "a".repeat(129) }, "deviceId: at most 128 characters"],
  ["deviceId beyond the input area", { deviceId: "a".repeat(5000) }, "deviceId: at most 128 characters"],
  ["deviceId with a dot", { deviceId: "dev.1" }, "deviceId: only letters, digits, '_' and '-'"],
  ["deviceId with a space", { deviceId: "dev 1" }, "deviceId: only letters, digits, '_' and '-'"],
  ["non-ASCII deviceId", { deviceId: "dév1" }, "deviceId: only letters, digits, '_' and '-'"],
  ["empty secret", { secret: "" }, "secret: must not be empty"],
  ["257-byte secret", { secret: "s".repeat(257) }, "secret: at most 256 bytes"],
  ["129 two-byte characters", { secret: "é".repeat(129) }, "secret: at most 256 bytes"],
  ["secret beyond the input area", { secret: SECRET.repeat(100) }, "secret: at most 256 bytes"],
  ["NaN time", { time: NaN }, "time: must be within years 1970-9999 UTC"],
  ["infinite time", { time: Infinity }, "time: must be within years 1970-9999 UTC"],
  ["invalid Date", { time: new Date("not a date") }, "time: must be within years 1970-9999 UTC"],
  ["1969", { time: -1 }, "time: must be within years 1970-9999 UTC"],
  ["year 10000", { time: Date.UTC(10000, 0, 1) }, "time: must be within years 1970-9999 UTC"],
  ["authType 3", { authType: 3 }, "authType: must be 0, 1 or 2"],
  ["authType -1", { authType: -1 }, "authType: must be 0, 1 or 2"],
  ["authType 1.5", { authType: 1.5 }, "authType: must be 0, 1 or 2"],
  ["authType 2^32 + 1", { authType: 2 ** 32 + 1 }, "authType: must be 0, 1 or 2"],
  ["authType '1'", { authType: "1" }, "authType: must be 0, 1 or 2"],
  ["signType 2", { signType: 2 }, "signType: must be 0 or 1"],
  ["signType NaN", { signType: NaN }, "signType: must be 0 or 1"],
  ["deviceId not a string", { deviceId: 42 }, "deviceId: must be a string"],
  ["secret neither text nor bytes", { secret: 42 }, "secret: must be a string or its UTF-8 bytes"],
  ["secret with a lone high surrogate", { secret: "abc\ud800" }, "secret: must be valid UTF-8"],
  ["secret with a lone low surrogate", { secret: "\udc00abc" }, "secret: must be valid UTF-8"],
  ["secret with surrogates in the wrong order", { secret: "\udc00\ud800" }, "secret: must be valid UTF-8"],
  ["secret bytes FF FE", { secret: Buffer.from([0xff, 0xfe]) }, "secret: must be valid UTF-8"],
  ["secret bytes of an encoded surrogate", { secret: Buffer.from([0xed, 0xa0, 0x80]) }, "secret: must be valid UTF-8"],
  ["time a string", { time: "2018-07-24" }, "time: must be a Date or epoch milliseconds"],
];

for (const [name, change, message] of BAD) {
  test(`rejects ${name}: "${message}"`, () => {
    const options = { ...ok, ...change } as SignOptions;
    assert.throws(
      () => sign(options),
      (error: Error) => {
        assert.equal(error.message, message);
        assert.ok(!error.message.includes(SECRET) && !String(error.stack).includes(SECRET));
        return true;
      },
    );
  });
}

test("sign without an options object names the argument", () => {
  for (const options of [undefined, null, "dev1", 42]) {
    assert.throws(() => sign(options as unknown as SignOptions), {
      name: "TypeError",
      message: "options: must be an object { deviceId, secret, time?, authType?, signType? }",
    });
  }
});

test("a secret is signed as its UTF-8 bytes: NUL, astral characters and bytes alike", () => {
  for (const secret of ["a\u0000b", "\u0000", "😀 päss ✓", "\ud83d\ude00", "\ufffd"]) {
    assert.equal(sign({ ...ok, secret }).password, expectedPassword(secret, "1970010100"), JSON.stringify(secret));
    assert.deepEqual(sign({ ...ok, secret: Buffer.from(secret) }), sign({ ...ok, secret }));
  }
});

test("a deviceId with a lone surrogate is refused for its characters", () => {
  assert.throws(() => sign({ ...ok, deviceId: "dev\ud800" }), { message: "deviceId: only letters, digits, '_' and '-'" });
});

test("the first bad field in order deviceId, secret, time, authType, signType is reported", () => {
  assert.throws(() => sign({ deviceId: "", secret: "", time: NaN, authType: 9, signType: 9 }), { message: "deviceId: must not be empty" });
  assert.throws(() => sign({ deviceId: "d", secret: "", time: NaN, authType: 9, signType: 9 }), { message: "secret: must not be empty" });
  assert.throws(() => sign({ deviceId: "d", secret: "s", time: NaN, authType: 9, signType: 9 }), { message: "time: must be within years 1970-9999 UTC" });
  assert.throws(() => sign({ deviceId: "d", secret: "s", time: 0, authType: 9, signType: 9 }), { message: "authType: must be 0, 1 or 2" });
});

test("a failed call returns nothing and leaves no trace in the next result", () => {
  const good = sign({ deviceId: "devA", secret: "secret-a", time: 0 });
  assert.throws(() => sign({ deviceId: "devB-longer-id", secret: "secret-b", time: 0, signType: 7 }));
  assert.deepEqual(sign({ deviceId: "devA", secret: "secret-a", time: 0 }), good);
  assert.deepEqual(sign({ deviceId: "d", secret: "secret-c", time: 0 }), {
    clientId: "d_0_1_1970010100",
    username: "d",
    password: expectedPassword("secret-c", "1970010100"),
    timestamp: "1970010100",
  });
});

test("no secret or password stays in the core's memory after a call", () => {
  const secret = "Zz9-unique-secret-" + Math.random().toString(36).slice(2);
  const contains = (needle: string) => Buffer.from(coreMemory()).includes(Buffer.from(needle));
  const { password } = sign({ deviceId: "dev1", secret, time: 0 });
  assert.ok(!contains(secret), "secret left behind after sign");
  assert.ok(!contains(password), "password left behind after sign");
  assert.throws(() => sign({ deviceId: "dev1", secret, time: 0, authType: 5 }));
  assert.ok(!contains(secret), "secret left behind after a failed sign");
  hmacHex("2025041401", secret);
  assert.ok(!contains(secret), "message left behind after hmacHex");
  assert.throws(() => hmacHex("k".repeat(400), secret.repeat(20)));
  assert.ok(!contains(secret), "message left behind after a failed hmacHex");
});

test("after a call the core's memory depends on the public inputs only", () => {
  // Anything derived from the secret (hash context, schedule, digests) would tell two secrets apart.
  const after = (call: () => unknown) => (call(), coreMemory());
  const signing = ["first-secret", "a second, longer secret"].map((secret) => after(() => sign({ deviceId: "dev1", secret, time: 0 })));
  assert.deepEqual(signing[1], signing[0]);
  const hmacs = ["message one", "another message"].map((message) => after(() => hmacHex("2025041401", message)));
  assert.deepEqual(hmacs[1], hmacs[0]);
});

test("hmacHex and sha256 check their inputs", () => {
  assert.throws(() => hmacHex("k".repeat(300), "m".repeat(213)), { message: "input: at most 512 bytes" });
  assert.equal(hmacHex("k".repeat(300), "m".repeat(212)).length, 64);
  assert.throws(() => hmacHex(1 as unknown as string, "m"), { message: "key: must be a string or Uint8Array" });
  assert.throws(() => hmacHex("k", null as unknown as string), { message: "message: must be a string or Uint8Array" });
  assert.throws(() => sha256("abc" as unknown as Uint8Array), { message: "bytes: must be a Uint8Array" });
});
