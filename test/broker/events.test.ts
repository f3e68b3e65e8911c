// Reading IoTDA device events and the $time_sync answer, without a connection (server.test.ts has
// the round trip over TLS).
import assert from "node:assert/strict";
import { test } from "node:test";
import { eventTime, readEvents, timeSyncResponse } from "../../broker/events";

const read = (body: unknown) => readEvents(Buffer.from(JSON.stringify(body)));
const timeSync = (paras: unknown) => ({ service_id: "$time_sync", event_type: "time_sync_request", paras });

test("event_time is yyyyMMdd'T'HHmmss'Z' in UTC, milliseconds dropped", () => {
  assert.equal(eventTime(Date.UTC(2025, 0, 2, 3, 4, 5, 678)), "20250102T030405Z");
  assert.equal(eventTime(Date.UTC(1999, 11, 31, 23, 59, 59, 999)), "19991231T235959Z");
});

test("one reading per service, in order", () => {
  assert.deepEqual(read({ services: [] }), []);
  assert.deepEqual(read({ object_device_id: "d", services: [timeSync({ device_send_time: 0 }), { service_id: "s", event_type: "e" }] }), [
    { kind: "time_sync", deviceSendTime: 0 },
    { kind: "other", serviceId: "s", eventType: "e", paras: undefined },
  ]);
  // $time_sync with another event type is not a request
  assert.deepEqual(read({ services: [{ service_id: "$time_sync", event_type: "time_sync_response" }] }), [
    { kind: "other", serviceId: "$time_sync", eventType: "time_sync_response", paras: undefined },
  ]);
});

test("device_send_time must be an integer >= 0", () => {
  for (const device_send_time of [undefined, null, "1", -1, 1.5, Number.MAX_SAFE_INTEGER + 1, true]) {
    assert.deepEqual(read({ services: [timeSync({ device_send_time })] }), [
      { kind: "malformed", reason: "services[0].paras.device_send_time: must be an integer >= 0 (ms)" },
    ], String(device_send_time));
  }
  assert.equal(read({ services: [{ service_id: "$time_sync", event_type: "time_sync_request" }] })[0].kind, "malformed");
});

test("a payload without a services list is one malformed reading", () => {
  assert.deepEqual(readEvents(Buffer.from([0xff, 0x7b])), [{ kind: "malformed", reason: "payload is not JSON" }]);
  for (const body of [null, [], { services: null }, { services: "x" }, 3]) {
    assert.deepEqual(read(body), [{ kind: "malformed", reason: "services: must be an array" }], JSON.stringify(body));
  }
  assert.deepEqual(read({ services: [null, { service_id: 1, event_type: "e" }] }).map((e) => e.kind), ["malformed", "malformed"]);
});

test("the answer echoes device_send_time and carries the broker's two times", () => {
  const at = Date.UTC(2025, 3, 14, 1, 30);
  assert.deepEqual(timeSyncResponse("dev", 42, at, at + 7), {
    object_device_id: "dev",
    services: [{
      service_id: "$time_sync",
      event_type: "time_sync_response",
      event_time: "20250414T013000Z",
      paras: { device_send_time: 42, server_recv_time: at, server_send_time: at + 7 },
    }],
  });
});
