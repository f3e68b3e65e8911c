// A registration group device's secret (IoTDP) from the real build/core.wasm through lib/signer,
// against node:crypto and one vector computed by hand with openssl; then its provisioning password,
// which is the usual one over that secret.
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { test } from "node:test";
import { groupSecret, sign } from "../../lib/signer";
import { GROUP_VECTOR } from "../native/vectors";

const APRIL_14_0130 = Date.UTC(2025, 3, 14, 1, 30);

test("group secret: the openssl vector, and the password over it", () => {
  const derived = groupSecret(GROUP_VECTOR.deviceId, GROUP_VECTOR.groupSecret);
  assert.equal(derived, GROUP_VECTOR.derived);
  const { password, timestamp } = sign({ deviceId: GROUP_VECTOR.deviceId, secret: derived, time: APRIL_14_0130 });
  assert.equal(timestamp, GROUP_VECTOR.timestamp);
  assert.equal(password, GROUP_VECTOR.password);
});

test("group secret: node:crypto agrees over random ids and secrets of every length", () => {
  for (let n = 1; n <= 192; n += 7) {
    const bytes = Buffer.from(Array.from({ length: n }, (_, i) => (i * 37 + n) & 0xff));
    const deviceId = `dev_${n}-x`;
    const expected = createHmac("sha256", deviceId).update(bytes).digest("hex");
    assert.equal(groupSecret(deviceId, bytes.toString("base64")), expected, `${n} bytes`);
  }
});

test("group secret: the Base64 step is taken (the C SDK's reading, the text itself, differs)", () => {
  const textAsKey = createHmac("sha256", GROUP_VECTOR.deviceId).update(GROUP_VECTOR.groupSecret).digest("hex");
  assert.notEqual(groupSecret(GROUP_VECTOR.deviceId, GROUP_VECTOR.groupSecret), textAsKey);
});

test("group secret: bad input names the field and the limit, never the secret", () => {
  const secret = "c2VjcmV0LW5ldmVyLXNob3du";
  const cases: [string, string, RegExp][] = [
    ["dev1", "c2VjcmV0", /^$/],
    ["dev1", "not base64!", /^groupSecret: must be padded Base64$/],
    ["dev1", "c2VjcmV0LW5ldmVy-XNob3du", /^groupSecret: must be padded Base64$/],
    ["dev1", "YQ", /^groupSecret: must be padded Base64$/],
    ["dev1", "A".repeat(260), /^groupSecret: at most 256 characters$/],
    ["dev1", "", /^groupSecret: must not be empty$/],
    ["d".repeat(129), secret, /^deviceId: at most 128 characters$/],
    ["d".repeat(600), secret, /^deviceId: at most 128 characters$/],
    ["dev 1", secret, /^deviceId: only letters, digits, '_' and '-'$/],
  ];
  for (const [deviceId, groupSecretText, message] of cases.slice(1)) {
    assert.throws(() => groupSecret(deviceId, groupSecretText), (error: Error) => {
      assert.match(error.message, message);
      assert.ok(!error.message.includes(secret) && !error.message.includes("c2Vj"));
      return true;
    });
  }
  assert.equal(groupSecret(...(cases[0].slice(0, 2) as [string, string])).length, 64);
  assert.throws(() => groupSecret("dev1", 42 as unknown as string), /^TypeError: groupSecret: must be a string$/);
});
