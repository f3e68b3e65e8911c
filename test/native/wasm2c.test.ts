// The wasm2c-compiled core with our runtime, built by gcc natively, with -m32 and with sanitizers,
// checked against the same vectors as the Wasm core and against node:crypto.
import assert from "node:assert/strict";
import { createHash, createHmac, randomBytes, randomInt } from "node:crypto";
import { rmSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { credentialsAt } from "../fixtures/iotda";
import { ask, compileHarness, generateSources, hex, probe } from "./harness";
import { HUAWEI, MESSAGES, UTF8 } from "./vectors";

// RFC 4231 section 4: key, data, HMAC-SHA-256 (case 5 is truncated to 128 bits).
const RFC4231: [Buffer, Buffer, string][] = [
  [Buffer.alloc(20, 0x0b), Buffer.from("Hi There"), "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"],
  [Buffer.from("Jefe"), Buffer.from("what do ya want for nothing?"), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"],
  [Buffer.alloc(20, 0xaa), Buffer.alloc(50, 0xdd), "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"],
  [Buffer.from(Array.from({ length: 25 }, (_, i) => i + 1)), Buffer.alloc(50, 0xcd), "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"],
  [Buffer.alloc(20, 0x0c), Buffer.from("Test With Truncation"), "a3b6167473100ee06e0c796c2955552b"],
  [Buffer.alloc(131, 0xaa), Buffer.from("Test Using Larger Than Block-Size Key - Hash Key First"), "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"],
  [
    Buffer.alloc(131, 0xaa),
    Buffer.from("This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm."),
    "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
  ],
];

const JULY_2018 = Date.parse("2018-07-24T17:56:20Z");
const ID_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-";

const sign = (deviceId: string | Buffer, secret: string | Buffer, time: number, authType = 0, signType = 1) =>
  `sign ${hex(Buffer.from(deviceId))} ${hex(Buffer.from(secret))} ${time} ${authType} ${signType}`;
const hmac = (key: Uint8Array, message: Uint8Array) => `hmac ${hex(key)} ${hex(message)}`;
const randomId = (length: number) => Array.from({ length }, () => ID_CHARS[randomInt(ID_CHARS.length)]).join("");

const sources = generateSources();
after(() => rmSync(sources.dir, { recursive: true, force: true }));

const builds = [
  { name: "gcc -O2 (native)", flags: ["-O2"] },
  { name: "gcc -O2 -m32", flags: ["-O2", "-m32"] },
  { name: "gcc -fsanitize=address,undefined", flags: ["-O1", "-g", "-fsanitize=address,undefined", "-fno-sanitize-recover=all"] },
];

for (const build of builds) {
  const { builds: buildable, runner, reason } = probe(sources.dir, build.flags);
  if (buildable && !runner) {
    // e.g. -m32 without 32-bit kernel support: still prove the build is clean.
    test(`wasm2c core, ${build.name}: compiles with -Werror (cannot run here)`, () => {
      compileHarness(sources.dir, `harness${build.flags.join("")}`, build.flags);
    });
  }
  describe(`wasm2c core, ${build.name}`, { skip: !runner && `skipped: ${reason}` }, () => {
    let exe = "";
    const run = (requests: string[]) => ask(exe, requests, runner);
    const one = (request: string) => run([request])[0];

    before(() => {
      exe = compileHarness(sources.dir, `harness${build.flags.join("")}`, build.flags);
    });

    test("RFC 4231 test cases 1-7", () => {
      const replies = run(RFC4231.map(([key, data]) => hmac(key, data)));
      RFC4231.forEach(([, , expected], i) => {
        assert.match(replies[i], /^ok [0-9a-f]{64}$/, `case ${i + 1}`);
        assert.ok(replies[i].slice(3).startsWith(expected), `case ${i + 1}: ${replies[i]}`);
      });
    });

    test("Huawei's vector, as HMAC and as credentials", () => {
      const [mac, credentials] = run([hmac(Buffer.from(HUAWEI.timestamp), Buffer.from(HUAWEI.secret)), sign("dev1", HUAWEI.secret, HUAWEI.time)]);
      assert.equal(mac, `ok ${HUAWEI.password}`);
      assert.equal(credentials, `ok ${HUAWEI.timestamp} ${HUAWEI.password} dev1_0_1_${HUAWEI.timestamp}`);
    });

    test("credentials at 2018-07-24T17:56:20Z for every authType and signType", () => {
      const cases = [0, 1, 2].flatMap((authType) => [0, 1].map((signType) => ({ authType, signType })));
      const replies = run(cases.map(({ authType, signType }) => sign("5a9e_node-1", "s3cret!", JULY_2018, authType, signType)));
      cases.forEach(({ authType, signType }, i) => {
        const expected = credentialsAt("5a9e_node-1", "s3cret!", JULY_2018, authType, signType);
        assert.equal(expected.clientId, `5a9e_node-1_${authType}_${signType}_2018072417`);
        assert.equal(replies[i], `ok ${expected.timestamp} ${expected.password} ${expected.clientId}`);
      });
    });

    test("limits accepted at their edges", () => {
      const longest = { id: randomId(128), secret: "\u00e9".repeat(128) }; // 256 UTF-8 bytes
      const [edges, first, last] = run([
        sign(longest.id, longest.secret, JULY_2018),
        sign("d", "s", 0),
        sign("d", "s", Date.UTC(9999, 11, 31, 23, 59, 59, 999)),
      ]);
      const expected = credentialsAt(longest.id, longest.secret, JULY_2018);
      assert.equal(edges, `ok ${expected.timestamp} ${expected.password} ${expected.clientId}`);
      assert.match(first, /^ok 1970010100 /);
      assert.match(last, /^ok 9999123123 /);
    });

    test("every error code has the core's message", () => {
      const codes = Object.keys(MESSAGES).map(Number);
      const replies = run(codes.map((code) => `text ${code}`));
      codes.forEach((code, i) => assert.equal(replies[i], `error ${code} ${MESSAGES[code]}`));
    });

    test("bad input is refused with the field and limit, never a value", () => {
      const secret = "never-in-a-message";
      const cases: [string, number][] = [
        [sign("", secret, JULY_2018), -1],
        [sign("d".repeat(129), secret, JULY_2018), -2],
        [sign("d".repeat(600), secret, JULY_2018), -2], // longer than the input area: not copied at all
        [sign("dev 1", secret, JULY_2018), -3],
        [sign("dev/1", secret, JULY_2018), -3],
        [sign("dev1", "", JULY_2018), -4],
        [sign("dev1", "s".repeat(257), JULY_2018), -5],
        [sign("dev1", "s".repeat(1000), JULY_2018), -5],
        [sign("dev1", secret, -1), -6],
        [sign("dev1", secret, NaN), -6],
        [sign("dev1", secret, Infinity), -6],
        [sign("dev1", secret, Date.UTC(10000, 0, 1)), -6],
        [sign("dev1", secret, JULY_2018, 3), -7],
        [sign("dev1", secret, JULY_2018, -1), -7],
        [sign("dev1", secret, JULY_2018, 0, 2), -8],
        [hmac(randomBytes(300), randomBytes(300)), -10],
        [`sha ${hex(randomBytes(513))}`, -10],
      ];
      const replies = run(cases.map(([request]) => request));
      cases.forEach(([request, code], i) => {
        assert.equal(replies[i], `error ${code} ${MESSAGES[code]}`, request.slice(0, 80));
        assert.ok(!replies[i].includes(secret));
      });
    });

    test("through iotda_sign, a secret is signed as its bytes if they are UTF-8 (NUL too) and refused if not", () => {
      const secrets = [...UTF8.valid, ...UTF8.invalid].map((secret) => Buffer.from(secret, "hex"));
      const replies = run(secrets.map((secret) => sign("dev1", secret, JULY_2018)));
      secrets.forEach((secret, i) => {
        const password = createHmac("sha256", "2018072417").update(secret).digest("hex");
        const expected = i < UTF8.valid.length ? `ok 2018072417 ${password} dev1_0_1_2018072417` : `error -11 ${MESSAGES[-11]}`;
        assert.equal(replies[i], expected, hex(secret));
      });
    });

    test("HMAC-SHA256 and SHA-256 agree with node:crypto on random input", () => {
      // Every other pair reuses the previous key, so the key cache is hit as well as missed.
      const keys = Array.from({ length: 150 }, () => randomBytes(randomInt(1, 200)));
      const pairs = Array.from({ length: 300 }, (_, i) => {
        const key = keys[i >> 1];
        return [key, randomBytes(randomInt(0, 512 - key.length + 1))];
      });
      const chunked = Array.from({ length: 60 }, () => Array.from({ length: randomInt(1, 5) }, () => randomBytes(randomInt(0, 300))));
      const replies = run([...pairs.map(([key, message]) => hmac(key, message)), ...chunked.map((chunks) => `sha ${chunks.map(hex).join(" ")}`)]);
      pairs.forEach(([key, message], i) => {
        assert.equal(replies[i], `ok ${createHmac("sha256", key).update(message).digest("hex")}`, `key ${hex(key)} message ${hex(message)}`);
      });
      chunked.forEach((chunks, i) => {
        const digest = chunks.reduce((hash, chunk) => hash.update(chunk), createHash("sha256")).digest("hex");
        assert.equal(replies[pairs.length + i], `ok ${digest}`, chunks.map(hex).join(" "));
      });
    });

    test("credentials agree with the spec oracle on random devices and times", () => {
      const cases = Array.from({ length: 100 }, () => ({
        id: randomId(randomInt(1, 129)),
        secret: randomBytes(randomInt(1, 129)).toString("base64").slice(0, 256),
        time: randomInt(0, 2 ** 47), // up to year 6429
        authType: randomInt(3),
        signType: randomInt(2),
      }));
      const replies = run(cases.map((c) => sign(c.id, c.secret, c.time, c.authType, c.signType)));
      cases.forEach((c, i) => {
        const expected = credentialsAt(c.id, c.secret, c.time, c.authType, c.signType);
        assert.equal(replies[i], `ok ${expected.timestamp} ${expected.password} ${expected.clientId}`, JSON.stringify(c));
      });
    });

    test("the kept instance re-signs within an hour and across hours with the right credentials", () => {
      const hours = [0, 0, 0, 1, 0, 1, 1, 2, 0, 0].map((h) => JULY_2018 + h * 3_600_000);
      const cases = hours.map((time, i) => ({ id: `dev${i % 3}`, secret: i % 2 ? "s3cret!" : `other-${i}`, time }));
      const replies = run(cases.map((c) => sign(c.id, c.secret, c.time)));
      cases.forEach((c, i) => {
        const expected = credentialsAt(c.id, c.secret, c.time);
        assert.equal(replies[i], `ok ${expected.timestamp} ${expected.password} ${expected.clientId}`, JSON.stringify(c));
      });
    });

    test("after a call the signer's memory depends on the public inputs only: no secret, no password", () => {
      const signAndLook = (secret: string, authType = 0) => run([sign("dev1", secret, JULY_2018, authType), "signer memory"]);
      const secrets = ["first-secret-" + randomInt(1e9), "another, longer secret " + randomInt(1e9)];
      const [[signedA, memoryA], [signedB, memoryB]] = secrets.map((secret) => signAndLook(secret));
      assert.match(signedA, /^ok /);
      assert.equal(memoryB, memoryA, "some secret-derived byte is left in the instance");
      const memory = Buffer.from(memoryA.slice(3), "hex");
      for (const [i, secret] of secrets.entries()) {
        const mac = createHmac("sha256", "2018072417").update(secret).digest();
        assert.ok(!memory.includes(Buffer.from(secret)), `secret ${i}`);
        assert.ok(!memory.includes(Buffer.from(mac.toString("hex"))), `password ${i}`);
        assert.ok(!memory.includes(mac.subarray(0, 8)), `raw HMAC ${i}`);
      }
      const [refused, afterRefusal] = signAndLook(secrets[0], 7);
      assert.equal(refused, `error -7 ${MESSAGES[-7]}`);
      assert.ok(!Buffer.from(afterRefusal.slice(3), "hex").includes(Buffer.from(secrets[0])), "secret left after a refused call");
    });

    test("a trap while signing wipes the instance, and the next call signs right", () => {
      const secret = "trapped-secret-" + randomInt(1e9);
      const expected = credentialsAt("dev1", secret, JULY_2018);
      const replies = run([sign("dev1", secret, JULY_2018), "signer break", sign("dev1", secret, JULY_2018), "signer memory", sign("dev1", secret, JULY_2018)]);
      assert.equal(replies[0], `ok ${expected.timestamp} ${expected.password} ${expected.clientId}`);
      assert.equal(replies[2], "error -1000 signer: trap oob");
      assert.match(replies[3], /^ok (00)+$/, "the trapped instance is not wiped");
      assert.equal(replies[4], replies[0]);
    });

    test("the signer's streaming SHA-256: any pieces, on the kept instance beside signing; a trap ends the hash it held", () => {
      const message = randomBytes(3000);
      const pieces = [message.subarray(0, 1), message.subarray(1, 1100), message.subarray(1100)];
      const digest = `ok ${createHash("sha256").update(message).digest("hex")}`;
      const notStarted = "error -1001 sha256: no hash started (or the core was reset since)";
      const replies = run([
        "hash digest",
        "hash start", ...pieces.map((piece) => `hash update ${piece.toString("hex")}`), sign("dev1", HUAWEI.secret, HUAWEI.time), "hash digest",
        "hash digest",
        "hash start", "hash update 00", "signer break", sign("dev1", HUAWEI.secret, HUAWEI.time), "hash update 00", "hash digest",
        "hash start", "hash update -", "hash digest",
      ]);
      assert.deepEqual(replies, [
        notStarted,
        "ok", "ok", "ok", "ok", `ok ${HUAWEI.timestamp} ${HUAWEI.password} dev1_0_1_${HUAWEI.timestamp}`, digest,
        notStarted,
        "ok", "ok", "ok", "error -1000 signer: trap oob", notStarted, notStarted,
        "ok", "ok", `ok ${createHash("sha256").digest("hex")}`,
      ]);
    });

    test("traps come back as errors and the process keeps signing", () => {
      const backed = Number(one("backed").slice(3));
      const requests: [string, string][] = [
        [`trap load ${backed - 4}`, "ok 0"],
        [`trap store ${backed - 4} 3735928559`, "ok 0"],
        [`trap load ${backed - 4}`, "ok 3735928559"],
        [`trap load ${backed - 3}`, "trap oob"],
        [`trap load ${backed}`, "trap oob"],
        [`trap load 65532`, "trap oob"], // inside the declared 64 KiB page, but not backed
        [`trap load 0xfffffffc`, "trap oob"],
        [`trap load_offset ${backed - 20}`, "ok 3735928559"], // the word stored above
        [`trap load_offset ${backed - 19}`, "trap oob"],
        [`trap load_offset 0xfffffff0`, "trap oob"], // address + offset wraps to 0 in 32 bits
        [`trap store ${backed - 2} 1`, "trap oob"],
        [`trap store 1 0x11223344`, "ok 0"], // misaligned: Wasm allows it
        [`trap load 1`, `ok ${0x11223344}`],
        [`trap load 0`, `ok ${0x22334400}`],
        [`trap fill 0 ${backed}`, "ok 0"],
        [`trap fill 1 ${backed}`, "trap oob"],
        [`trap crash`, "trap unreachable"],
        [`trap divide 7 0`, "trap div-by-zero"],
        [`trap divide 7 2`, "ok 3"],
        [sign("dev1", HUAWEI.secret, HUAWEI.time), `ok ${HUAWEI.timestamp} ${HUAWEI.password} dev1_0_1_${HUAWEI.timestamp}`],
        [hmac(Buffer.from(HUAWEI.timestamp), Buffer.from(HUAWEI.secret)), `ok ${HUAWEI.password}`],
      ];
      const replies = run(requests.map(([request]) => request));
      requests.forEach(([request, expected], i) => assert.equal(replies[i], expected, request));
    });
  });
}

describe("wasm2c core with less memory backed than it uses", () => {
  const flags = probe(sources.dir, ["-fsanitize=address,undefined"]).runner ? ["-O1", "-fsanitize=address,undefined"] : ["-O2"];
  let exe = "";
  before(() => {
    // Too small for the core's own static data: instantiation itself must trap. GCC rightly warns of
    // constant addresses past the shrunken array, in paths only the run-time range checks close off.
    exe = compileHarness(sources.dir, "harness-undersized", [...flags, "-DIOTDA_CORE_MEMORY_BYTES=256", "-Wno-error"]);
  });

  test("signing reports the trap, never crashes, and the next call does the same", () => {
    const replies = ask(exe, [sign("dev1", HUAWEI.secret, HUAWEI.time), hmac(Buffer.from("k"), Buffer.from("m")), sign("dev1", HUAWEI.secret, HUAWEI.time)]);
    assert.deepEqual(replies, ["error -1000 signer: trap oob", "trap oob", "error -1000 signer: trap oob"]);
  });
});
