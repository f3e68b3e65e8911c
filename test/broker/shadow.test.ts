// The shadow's rules without a connection (platform.test.ts has them over TLS and HTTP).
import assert from "node:assert/strict";
import { test } from "node:test";
import { Shadows } from "../../broker/shadow";

const T1 = "20250414T013000Z";
const T2 = "20250414T013100Z";

test("reports merge per service; the event_time is the device's or the broker's", () => {
  const s = new Shadows();
  s.report("d", [{ service_id: "a", properties: { x: 1, y: 2 }, event_time: "20250101T000000Z" }, { service_id: "b", properties: { z: 3 } }], T1);
  s.report("d", [{ service_id: "a", properties: { y: 20, w: 4 } }], T2);
  assert.deepEqual(s.view("d"), [
    { service_id: "a", desired: { properties: {} }, reported: { properties: { x: 1, y: 20, w: 4 }, event_time: T2 }, version: 0 },
    { service_id: "b", desired: { properties: {} }, reported: { properties: { z: 3 }, event_time: T1 }, version: 0 },
  ]);
  assert.deepEqual(s.view("d", "b").map((e) => e.service_id), ["b"]);
  assert.deepEqual(s.view("d", "none"), []);
  assert.deepEqual(s.view("other"), []);
});

test("desired: set, null deletes one, {} clears all; each change counts a version", () => {
  const s = new Shadows();
  s.setDesired("d", [{ service_id: "a", desired: { x: 1, y: 2 } }], T1);
  s.setDesired("d", [{ service_id: "a", desired: { y: null, z: 3 }, version: 1 }], T2);
  assert.deepEqual(s.view("d", "a")[0].desired, { properties: { x: 1, z: 3 }, event_time: T2 });
  assert.equal(s.view("d", "a")[0].version, 2);
  s.setDesired("d", [{ service_id: "a", desired: {} }], T2);
  assert.deepEqual(s.view("d", "a")[0].desired.properties, {});
  assert.equal(s.view("d", "a")[0].version, 3);
});

test("a wrong version refuses the whole update", () => {
  const s = new Shadows();
  s.setDesired("d", [{ service_id: "a", desired: { x: 1 } }], T1);
  assert.throws(
    () => s.setDesired("d", [{ service_id: "b", desired: { y: 1 } }, { service_id: "a", desired: { x: 2 }, version: 0 }], T2),
    { code: "IOTDA.000006", message: "shadow[1].version: 0 is not the current version 1" },
  );
  assert.deepEqual(s.view("d").map((e) => [e.service_id, e.desired.properties, e.version]), [["a", { x: 1 }, 1]]);
  // a service never written is at version 0
  s.setDesired("d", [{ service_id: "b", desired: { y: 1 }, version: 0 }], T2);
  assert.equal(s.view("d", "b")[0].version, 1);
});

test("views are copies, and __proto__ is a property like any other", () => {
  const s = new Shadows();
  s.report("d", [{ service_id: "a", properties: JSON.parse('{"__proto__":{"polluted":true},"x":1}') }], T1);
  const view = s.view("d");
  view[0].reported.properties.x = 99;
  assert.equal(s.view("d")[0].reported.properties.x, 1);
  assert.deepEqual(Object.keys(s.view("d")[0].reported.properties), ["__proto__", "x"]);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.equal(JSON.stringify(s.view("d")[0].reported.properties), '{"__proto__":{"polluted":true},"x":1}');
});
