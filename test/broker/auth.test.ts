// verifyConnect as a pure function: IoTDA's CONNACK codes for each rule, checked against the
// node:crypto oracle in test/fixtures/iotda.ts and Huawei's published vector.
import assert from "node:assert/strict";
import { test } from "node:test";
import { iotdaPassword, parseTimestamp, verifyConnect, type ConnectFields } from "../../broker/auth";
import { parseRegistry, toRegistry } from "../../broker/registry";
import { credentialsAt, expectedPassword } from "../fixtures/iotda";

const HOUR = 3_600_000;
const NOW = Date.UTC(2025, 3, 14, 1, 30); // 2025-04-14 01:30 UTC, inside hour 2025041401
const registry = toRegistry({
  dev1: { secret: "12345678" },
  "prod_node-1": { secret: "s3cr3t-value" },
  off: { secret: "offsecret", disabled: true },
});

function fields(deviceId: string, secret: string, ms: number, over: Partial<ConnectFields> = {}, signType = 1) {
  const c = credentialsAt(deviceId, secret, ms, 0, signType);
  return { clientId: c.clientId, username: c.username, password: Buffer.from(c.password), keepalive: 120, ...over };
}

test("Huawei's published vector", () => {
  const huawei = "c75150e6cb841417396819e4d2ee4358a416344a03a083e3a8567074ddec820a";
  assert.equal(iotdaPassword("12345678", "2025041401"), huawei);
  assert.equal(expectedPassword("12345678", "2025041401"), huawei);
  const r = verifyConnect(
    { clientId: "dev1_0_1_2025041401", username: "dev1", password: Buffer.from(huawei), keepalive: 120 },
    registry,
    { nowMs: NOW },
  );
  assert.deepEqual(r, { returnCode: 0, reason: "accepted", deviceId: "dev1" });
});

test("device ids containing '_' parse from the right", () => {
  const r = verifyConnect(fields("prod_node-1", "s3cr3t-value", NOW), registry, { nowMs: NOW });
  assert.equal(r.returnCode, 0);
  assert.equal(r.deviceId, "prod_node-1");
});

test("authType 0/1/2 and signType 0/1 are accepted, others are identifier rejected", () => {
  for (const authType of [0, 1, 2]) {
    for (const signType of [0, 1]) {
      const c = credentialsAt("dev1", "12345678", NOW, authType, signType);
      const r = verifyConnect({ ...c, password: Buffer.from(c.password), keepalive: 60 }, registry, { nowMs: NOW });
      assert.equal(r.returnCode, 0, `authType ${authType} signType ${signType}`);
    }
  }
  const good = fields("dev1", "12345678", NOW);
  for (const clientId of ["dev1_3_1_2025041401", "dev1_0_2_2025041401", "dev1_0_1_202504140", "dev1", "_0_1_2025041401", ""]) {
    assert.equal(verifyConnect({ ...good, clientId }, registry, { nowMs: NOW }).returnCode, 2, clientId);
  }
  assert.equal(verifyConnect({ ...good, clientId: `${"a".repeat(250)}_0_1_2025041401` }, registry, { nowMs: NOW }).returnCode, 2);
});

test("timestamps must name a real UTC hour", () => {
  assert.equal(parseTimestamp("2025041401"), Date.UTC(2025, 3, 14, 1));
  assert.equal(parseTimestamp("2024022923"), Date.UTC(2024, 1, 29, 23)); // leap day
  for (const bad of ["2025130101", "2025023001", "2025041424", "2023022901", "2025000101", "1969123123"]) {
    assert.equal(parseTimestamp(bad), undefined, bad);
    const good = fields("dev1", "12345678", NOW);
    const r = verifyConnect({ ...good, clientId: `dev1_0_0_${bad}` }, registry, { nowMs: NOW });
    assert.equal(r.returnCode, 2, bad);
  }
});

test("keepalive outside 30..1200 is identifier rejected (2)", () => {
  for (const [keepalive, code] of [[0, 2], [10, 2], [29, 2], [30, 0], [1200, 0], [1201, 2]] as const) {
    assert.equal(verifyConnect(fields("dev1", "12345678", NOW, { keepalive }), registry, { nowMs: NOW }).returnCode, code, `keepalive ${keepalive}`);
  }
});

test("unknown device, wrong username, wrong or missing password -> 4", () => {
  const cases: Array<[string, ConnectFields]> = [
    ["unknown device", fields("ghost", "12345678", NOW)],
    ["username", fields("dev1", "12345678", NOW, { username: "dev2" })],
    ["no username", fields("dev1", "12345678", NOW, { username: undefined })],
    ["secret", fields("dev1", "87654321", NOW)],
    ["no password", fields("dev1", "12345678", NOW, { password: undefined })],
    ["uppercase hex", fields("dev1", "12345678", NOW, { password: Buffer.from(expectedPassword("12345678", "2025041401").toUpperCase()) })],
    ["truncated", fields("dev1", "12345678", NOW, { password: Buffer.from(expectedPassword("12345678", "2025041401").slice(0, 63)) })],
  ];
  for (const [name, f] of cases) assert.equal(verifyConnect(f, registry, { nowMs: NOW }).returnCode, 4, name);
});

test("signType 1 checks the hour against the broker clock with the tolerance; signType 0 does not", () => {
  const at = (hoursAgo: number, signType: number, toleranceMs?: number) =>
    verifyConnect(fields("dev1", "12345678", NOW - hoursAgo * HOUR, {}, signType), registry, { nowMs: NOW, toleranceMs }).returnCode;
  // NOW is 01:30: hour 00 ended 30 min ago, hour 23 of the day before ended 1.5 h ago
  assert.equal(at(1, 1), 0);
  assert.equal(at(2, 1), 4);
  assert.equal(at(3, 1), 4);
  assert.equal(at(3, 0), 0);
  assert.equal(at(-1, 1), 0); // next hour starts in 30 min
  assert.equal(at(-2, 1), 4); // 1.5 h ahead
  assert.equal(at(3, 1, 3 * HOUR), 0);
  assert.equal(at(1, 1, 0), 4);
  assert.equal(at(0, 1, 0), 0);
});

test("a disabled device with valid credentials -> 5, with a wrong password -> 4", () => {
  assert.equal(verifyConnect(fields("off", "offsecret", NOW), registry, { nowMs: NOW }).returnCode, 5);
  assert.equal(verifyConnect(fields("off", "wrong", NOW), registry, { nowMs: NOW }).returnCode, 4);
});

test("reasons never contain the secret or the password", () => {
  const secret = "s3cr3t-value";
  const variants: Array<Partial<ConnectFields>> = [{}, { keepalive: 5 }, { username: "x" }, { password: Buffer.from("nope") }];
  for (const over of variants) {
    for (const ms of [NOW, NOW - 5 * HOUR]) {
      const f = fields("prod_node-1", secret, ms, over);
      const r = verifyConnect(f, registry, { nowMs: NOW });
      assert.ok(!r.reason.includes(secret), r.reason);
      assert.ok(!r.reason.includes(expectedPassword(secret, credentialsAt("x", secret, ms).timestamp)), r.reason);
    }
  }
});

test("registry file validation names the field", () => {
  assert.equal(parseRegistry('{"devices":{"a":{"secret":"x","disabled":true}}}').get("a")?.disabled, true);
  assert.throws(() => parseRegistry("{}"), /registry: expected/);
  assert.throws(() => parseRegistry('{"devices":{"a":{}}}'), /devices\.a: needs a secret or a fingerprint/);
  assert.throws(() => parseRegistry('{"devices":{"a":{"secret":""}}}'), /devices\.a\.secret: must be a non-empty string/);
  assert.throws(() => parseRegistry('{"devices":{"a":{"fingerprint":"AB"}}}'), /devices\.a\.fingerprint: must be the certificate's SHA-256, 64 hex digits/);
  assert.throws(() => parseRegistry('{"devices":{"a":{"secret":"x","disabled":"yes"}}}'), /devices\.a\.disabled: must be a boolean/);
});

test("a device registered by fingerprint: its trusted certificate logs in without a password; disabled is 5; a secret does not stand in", () => {
  const fingerprint = "AB".repeat(32);
  const devices = toRegistry({ cert: { fingerprint: "ab:".repeat(31) + "ab" }, off: { fingerprint, disabled: true } });
  assert.equal(devices.get("cert")!.fingerprint, fingerprint, "stored uppercase without colons");
  const login = (deviceId: string, certificate?: ConnectFields["certificate"], password?: Uint8Array) =>
    verifyConnect({ clientId: `${deviceId}_0_0_2025041401`, username: deviceId, password, keepalive: 60, certificate }, devices, { nowMs: NOW });
  assert.deepEqual(login("cert", { fingerprint, trusted: true }), { returnCode: 0, reason: "accepted", deviceId: "cert" });
  assert.equal(login("off", { fingerprint, trusted: true }).returnCode, 5);
  assert.equal(login("cert", undefined, Buffer.from(expectedPassword("x", "2025041401"))).returnCode, 4);
  assert.match(login("cert", { fingerprint, trusted: false, error: "CERT_HAS_EXPIRED" }).reason, /CERT_HAS_EXPIRED/);
});
