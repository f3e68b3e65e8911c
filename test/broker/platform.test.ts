// The platform's side end to end: a call on the northbound HTTP API -> the broker over real TLS -> an
// MQTT.js device answering -> the answer back to the caller; messages kept for an offline device; the
// shadow the device asks for; and what the broker does with bad payloads from a device.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { type Certs, generateCerts } from "../../broker/certs";
import { type Broker, startBroker } from "../../broker/server";
import { callApi, connectDevice, type Device } from "../fixtures/device";
import { until } from "../fixtures/until";

// 01:30 UTC on the day of Huawei's published vector; tests move the clock for message expiry only
const NOW = Date.UTC(2025, 3, 14, 1, 30);
const SECRETS: Record<string, string> = {
  props: "props-secret",
  cmds: "cmds-secret",
  silent: "silent-secret",
  away: "away-secret",
  later: "later-secret",
  shadowed: "shadowed-secret",
  rude: "rude-secret",
};
// long enough for a device on this machine to answer, short enough to wait for in a test
const TIMEOUT_MS = 1000;
const TTL_MS = 60_000;
const T = { timeout: 20_000 };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let certs: Certs;
let broker: Broker;
let clock = NOW;
const logLines: string[] = [];
const devices: Device[] = [];

before(async () => {
  certs = generateCerts();
  broker = await startBroker({
    devices: Object.fromEntries(Object.entries(SECRETS).map(([id, secret]) => [id, { secret }])),
    certs,
    now: () => clock,
    log: (l) => logLines.push(l),
    requestTimeoutMs: TIMEOUT_MS,
    messageTtlMs: TTL_MS,
    http: { port: 0 },
  });
});

after(async () => {
  for (const d of devices) await d.end();
  await broker.close();
  certs.cleanup();
});

async function online(id: string) {
  const device = await connectDevice(broker, id, SECRETS[id], clock);
  devices.push(device);
  return device;
}

const path = (id: string, what: string) => `/v5/iot/my-project/devices/${encodeURIComponent(id)}/${what}`;

test("the API listens on loopback over plain HTTP", () => {
  assert.equal(broker.http?.host, "127.0.0.1");
  assert.match(broker.http!.url, /^http:\/\/127\.0\.0\.1:\d+$/);
});

test("property set: PUT .../properties reaches the device's handler, its answer comes back", T, async () => {
  const device = await online("props");
  const seen: Array<{ body: unknown; requestId: string }> = [];
  device.answer("properties/set", (body, requestId) => {
    seen.push({ body, requestId });
    return body.services[0].properties.reportInterval > 3600 ? { result_code: 1, result_desc: "reportInterval: 5-3600" } : { result_code: 0 };
  });
  const services = [{ service_id: "status", properties: { reportInterval: 30 } }];
  const ok = await callApi(broker, "PUT", path("props", "properties"), { services });
  assert.equal(ok.status, 200);
  assert.deepEqual(ok.body, { request_id: seen[0].requestId, response: { result_code: 0 } });
  assert.match(seen[0].requestId, UUID);
  assert.deepEqual(seen[0].body, { object_device_id: "props", services });

  const refused = await callApi(broker, "PUT", path("props", "properties"), { services: [{ service_id: "status", properties: { reportInterval: 9999 } }] });
  assert.equal(refused.status, 200, "the device's refusal is its answer, not an API error");
  assert.deepEqual(refused.body.response, { result_code: 1, result_desc: "reportInterval: 5-3600" });
});

test("property get: GET .../properties, one service or all", T, async () => {
  const device = await online("props");
  const asked: unknown[] = [];
  device.answer("properties/get", (body) => {
    asked.push(body);
    return { services: [{ service_id: "status", properties: { uptime: 42, reportInterval: 30 }, event_time: "20250414T013000Z" }] };
  });
  const one = await callApi(broker, "GET", `${path("props", "properties")}?service_id=status`);
  assert.equal(one.status, 200);
  assert.deepEqual(one.body, { response: { services: [{ service_id: "status", properties: { uptime: 42, reportInterval: 30 }, event_time: "20250414T013000Z" }] } });
  const all = await callApi(broker, "GET", path("props", "properties"));
  assert.equal(all.status, 200);
  assert.deepEqual(asked, [{ object_device_id: "props", service_id: "status" }, { object_device_id: "props" }]);
});

test("command: POST .../commands answers with command_id and the device's response", T, async () => {
  const device = await online("cmds");
  const seen: Array<{ body: unknown; requestId: string }> = [];
  device.answer("commands", (body, requestId) => {
    seen.push({ body, requestId });
    return { result_code: 0, response_name: body.command_name, paras: body.paras };
  });
  const command = { service_id: "status", command_name: "echo", paras: { text: "hi", n: 3 } };
  const r = await callApi(broker, "POST", path("cmds", "commands"), command);
  assert.equal(r.status, 200);
  assert.deepEqual(r.body, { command_id: seen[0].requestId, response: { result_code: 0, response_name: "echo", paras: { text: "hi", n: 3 } } });
  assert.deepEqual(seen[0].body, { object_device_id: "cmds", ...command });
});

test("a device that never answers: IoTDA's timeout error after the configured wait, for all three", T, async () => {
  const device = await online("silent");
  const timeout = {
    error_code: "IOTDA.014111",
    error_msg: "Command request timed out. Check whether the device returns a response within the specified time after receiving the request.",
  };
  const started = performance.now();
  const answers = await Promise.all([
    callApi(broker, "POST", path("silent", "commands"), { command_name: "echo", paras: {} }),
    callApi(broker, "PUT", path("silent", "properties"), { services: [{ service_id: "status", properties: { reportInterval: 5 } }] }),
    callApi(broker, "GET", path("silent", "properties")),
  ]);
  assert.ok(performance.now() - started >= TIMEOUT_MS, "no answer before the timeout");
  // IoTDA answers a timed-out synchronous request with HTTP 200 and this error body
  assert.deepEqual(answers, [{ status: 200, body: timeout }, { status: 200, body: timeout }, { status: 200, body: timeout }]);
  assert.equal(device.received.length, 3, "each request reached the device");
  assert.ok(device.client.connected);
  // a late answer is logged, not mistaken for a new request's
  const command = device.received.find((m) => m.topic.includes("/sys/commands/"))!;
  const late = command.topic.replace("/commands/", "/commands/response/");
  await device.publish(late, '{"result_code":0}');
  await until(() => logLines.some((l) => l === `response ignored, no request waiting deviceId=silent topic="${late}"`), "the late answer's log line", 3000);
});

test("offline and unknown devices: IoTDA's errors, not a wait", T, async () => {
  const offline = { error_code: "IOTDA.014016", error_msg: "Operation not allowed. The device is not online." };
  const unknown = { error_code: "IOTDA.014000", error_msg: "The device does not exist." };
  assert.deepEqual(await callApi(broker, "POST", path("away", "commands"), { paras: {} }), { status: 403, body: offline });
  assert.deepEqual(await callApi(broker, "PUT", path("away", "properties"), { services: [{ service_id: "s", properties: {} }] }), { status: 403, body: offline });
  assert.deepEqual(await callApi(broker, "GET", path("away", "properties")), { status: 403, body: offline });
  for (const [method, what, body] of [["POST", "commands", { paras: {} }], ["GET", "properties"], ["GET", "shadow"], ["POST", "messages", { message: "x" }]] as const) {
    assert.deepEqual(await callApi(broker, method, path("ghost", what), body), { status: 404, body: unknown }, `${method} ${what}`);
  }
  // the programmatic call fails the same way
  await assert.rejects(broker.publishCommand("away", { command_name: "x", paras: {} }), /away is not connected/);
});

test("bad requests: IoTDA's 400s naming the field, 404 for a path it does not have", T, async () => {
  const bad = async (method: string, what: string, body: unknown) => (await callApi(broker, method, path("props", what), body)).body;
  assert.deepEqual(await bad("POST", "commands", "{not json"), {
    error_code: "IOTDA.000008",
    error_msg: "Invalid input. The request format is invalid. body: not JSON",
  });
  assert.deepEqual(await bad("POST", "commands", { command_name: "x", paras: "on" }), {
    error_code: "IOTDA.000006",
    error_msg: "Invalid input data. paras: required, a JSON object",
  });
  assert.equal((await bad("PUT", "properties", { services: [] })).error_msg, "Invalid input data. services: required, a non-empty array");
  assert.equal((await bad("PUT", "properties", { services: [{ service_id: 7, properties: {} }] })).error_msg,
    "Invalid input data. services[0].service_id: must be a string of 1-64 characters");
  assert.equal((await bad("PUT", "shadow", { shadow: [{ service_id: "s", desired: { "a.b": 1 } }] })).error_msg,
    "Invalid input data. shadow[0].desired: keys must be non-empty, without '.', '$' or NUL");
  assert.equal((await bad("POST", "messages", { message: "x".repeat(256 * 1024 + 1) })).error_msg,
    "Invalid input data. message: at most 262144 bytes, got 262145");
  assert.equal((await bad("POST", "messages", { message: "x", payload_format: "raw" })).error_msg,
    "Invalid input data. topic_full_name: required with encoding base64 or payload_format raw");
  const tooBig = await callApi(broker, "POST", path("props", "messages"), "x".repeat(1024 * 1024 + 1));
  assert.deepEqual(tooBig, { status: 400, body: { error_code: "IOTDA.000006", error_msg: "Invalid input data. body: at most 1048576 bytes" } });
  const noApi = { error_code: "APIGW.0101", error_msg: "The API does not exist or has not been published in the environment." };
  assert.deepEqual(await callApi(broker, "DELETE", path("props", "shadow")), { status: 404, body: noApi });
  assert.deepEqual(await callApi(broker, "GET", "/v5/iot/p/devices/props/nothing"), { status: 404, body: noApi });
});

test("messages down: kept for an offline device, delivered in order when it connects; a connected one gets them at once", T, async () => {
  const send = async (body: unknown) => {
    const r = await callApi(broker, "POST", path("later", "messages"), body);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return r.body;
  };
  const first = await send({ message_id: "m-1", name: "greeting", message: "hello" });
  assert.deepEqual(first, { message_id: "m-1", result: { status: "PENDING", created_time: "20250414T013000Z" } });
  const second = await send({ message: { mode: "eco" }, topic: "config/down" });
  assert.match(second.message_id, UUID);
  await send({ message_id: "m-3", message: Buffer.from([0, 1, 0xfe, 0xff]).toString("base64"), encoding: "base64", topic_full_name: "$oc/devices/later/sys/messages/down" });
  await send({ message_id: "m-4", message: "plain", payload_format: "raw", topic_full_name: "$oc/devices/later/user/raw" });

  const device = await online("later");
  await until(() => device.received.length === 4, "the four queued messages", 3000);
  assert.deepEqual(device.received.map((m) => m.topic), [
    "$oc/devices/later/sys/messages/down",
    "$oc/devices/later/user/config/down",
    "$oc/devices/later/sys/messages/down",
    "$oc/devices/later/user/raw",
  ]);
  assert.deepEqual(JSON.parse(device.received[0].payload.toString()), { object_device_id: "later", name: "greeting", id: "m-1", content: "hello" });
  assert.deepEqual(JSON.parse(device.received[1].payload.toString()), { object_device_id: "later", id: second.message_id, content: { mode: "eco" } });
  assert.deepEqual(device.received[2].payload, Buffer.from([0, 1, 0xfe, 0xff]));
  assert.equal(device.received[3].payload.toString(), "plain");

  const now = await send({ message_id: "m-5", message: "now" });
  assert.deepEqual(now.result, { status: "DELIVERED", created_time: "20250414T013000Z", finished_time: "20250414T013000Z" });
  await until(() => device.received.length === 5, "the message sent while connected", 3000);
  await device.end();
  await until(() => logLines.includes("disconnect clientId=" + device.client.options.clientId), "the disconnect", 3000);

  // kept no longer than the TTL: one sent before it expired, one after
  await send({ message_id: "m-old", message: "old" });
  clock += TTL_MS;
  try {
    await send({ message_id: "m-new", message: "new" });
    const again = await online("later");
    await until(() => again.received.length === 1, "the message still in time", 3000);
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(again.received.map((m) => JSON.parse(m.payload.toString()).id), ["m-new"]);
    assert.ok(logLines.includes("message expired deviceId=later message_id=m-old"), logLines.join("\n"));
  } finally {
    clock = NOW;
  }
});

test("shadow: desired from PUT .../shadow, reported from property reports, versions; the device's shadow/get answer", T, async () => {
  const device = await online("shadowed");
  const put = await callApi(broker, "PUT", path("shadowed", "shadow"), { shadow: [{ service_id: "status", desired: { reportInterval: 60, mode: "eco" } }] });
  assert.equal(put.status, 200);
  assert.deepEqual(put.body, {
    device_id: "shadowed",
    shadow: [{ service_id: "status", desired: { properties: { reportInterval: 60, mode: "eco" }, event_time: "20250414T013000Z" }, reported: { properties: {} }, version: 1 }],
  });
  // null deletes a desired property; a stale version is refused and changes nothing
  await callApi(broker, "PUT", path("shadowed", "shadow"), { shadow: [{ service_id: "status", desired: { mode: null }, version: 1 }] });
  const stale = await callApi(broker, "PUT", path("shadowed", "shadow"), { shadow: [{ service_id: "status", desired: { reportInterval: 5 }, version: 1 }] });
  assert.deepEqual(stale, { status: 400, body: { error_code: "IOTDA.000006", error_msg: "Invalid input data. shadow[0].version: 1 is not the current version 2" } });

  await device.publish("$oc/devices/shadowed/sys/properties/report", JSON.stringify({
    services: [
      { service_id: "status", properties: { uptime: 10, reportInterval: 30 }, event_time: "20250414T012959Z" },
      { service_id: "battery", properties: { level: 80 } },
    ],
  }));
  await device.publish("$oc/devices/shadowed/sys/properties/report", JSON.stringify({ services: [{ service_id: "status", properties: { uptime: 15 } }] }));

  const expected = [
    {
      service_id: "status",
      desired: { properties: { reportInterval: 60 }, event_time: "20250414T013000Z" },
      reported: { properties: { uptime: 15, reportInterval: 30 }, event_time: "20250414T013000Z" },
      version: 2,
    },
    { service_id: "battery", desired: { properties: {} }, reported: { properties: { level: 80 }, event_time: "20250414T013000Z" }, version: 0 },
  ];
  const answer = async (requestId: string, body: string) => {
    const from = device.received.length;
    await device.publish(`$oc/devices/shadowed/sys/shadow/get/request_id=${requestId}`, body);
    await until(() => device.received.length > from, `the shadow answer to ${requestId}`, 3000);
    const got = device.received[from];
    assert.equal(got.topic, `$oc/devices/shadowed/sys/shadow/get/response/request_id=${requestId}`);
    return JSON.parse(got.payload.toString());
  };
  assert.deepEqual(await answer("own-1", '{"object_device_id":"shadowed"}'), { object_device_id: "shadowed", shadow: expected });
  assert.deepEqual(await answer("own-2", '{"service_id":"status"}'), { object_device_id: "shadowed", shadow: [expected[0]] });
  assert.deepEqual(await answer("own-3", '{"service_id":"nothing"}'), { object_device_id: "shadowed", shadow: [] });
  assert.deepEqual((await callApi(broker, "GET", path("shadowed", "shadow"))).body, { device_id: "shadowed", shadow: expected });
});

test("bad payloads from a device: a log line each, the connection stays, the broker keeps answering", T, async () => {
  const device = await online("rude");
  const from = logLines.length;
  const up = (what: string, payload: string | Buffer) => device.publish(`$oc/devices/rude/sys/${what}`, payload);
  await up("properties/report", "not json");
  await up("properties/report", Buffer.from([0xff, 0xfe]));
  await up("properties/report", JSON.stringify({ services: [{ service_id: 1, properties: {} }, { service_id: "ok", properties: { a: 1 } }, { service_id: "s", properties: [] }] }));
  await up("properties/report", JSON.stringify({ services: [{ service_id: "s", properties: {}, event_time: "2025-04-14" }] }));
  await up("shadow/get/request_id=r1", "not json");
  await up("shadow/get/request_id=r2", JSON.stringify({ service_id: 5 }));
  await up("commands/response/request_id=nobody", '{"result_code":0}');
  await up("properties/set/response/request_id=nobody", "not json");

  // answers of the wrong shape to a waiting request: the caller hears at once, the device stays
  device.answer("commands", () => "not json");
  device.answer("properties/set", () => ({ result_code: "0" }));
  device.answer("properties/get", () => ({ services: [{ service_id: "s" }] }));
  const rejected = (detail: string) => ({ status: 502, body: { error_code: "LOCAL.000502", error_msg: `The device's response was rejected: ${detail}` } });
  assert.deepEqual(await callApi(broker, "POST", path("rude", "commands"), { paras: {} }), rejected("payload: must be a JSON object"));
  assert.deepEqual(await callApi(broker, "PUT", path("rude", "properties"), { services: [{ service_id: "s", properties: {} }] }), rejected("result_code: must be an integer"));
  assert.deepEqual(await callApi(broker, "GET", path("rude", "properties")), rejected("services[0].properties: must be an object"));

  await until(() => logLines.slice(from).filter((l) => l.startsWith("response rejected")).length === 3, "the rejected answers' log lines", 3000);
  const lines = logLines.slice(from).filter((l) => /^(report|shadow|response)/.test(l)).map((l) => l.replace(/request_id=[0-9a-f-]{36}/, "request_id=<uuid>"));
  assert.deepEqual(lines, [
    'report ignored deviceId=rude reason="services: must be an array"',
    'report ignored deviceId=rude reason="services: must be an array"',
    'report ignored deviceId=rude reason="services[0].service_id: must be a string"',
    'report ignored deviceId=rude reason="services[2].properties: must be an object"',
    "report ignored deviceId=rude reason=\"services[0].event_time: must be yyyyMMdd'T'HHmmss'Z'\"",
    'shadow get ignored deviceId=rude request_id=r1 reason="payload: must be a JSON object"',
    'shadow get ignored deviceId=rude request_id=r2 reason="service_id: must be a string"',
    // topics with '=' are quoted (log.ts)
    'response ignored, no request waiting deviceId=rude topic="$oc/devices/rude/sys/commands/response/request_id=nobody"',
    'response ignored, no request waiting deviceId=rude topic="$oc/devices/rude/sys/properties/set/response/request_id=nobody"',
    'response rejected deviceId=rude topic="$oc/devices/rude/sys/commands/response/request_id=<uuid>" reason="payload: must be a JSON object"',
    'response rejected deviceId=rude topic="$oc/devices/rude/sys/properties/set/response/request_id=<uuid>" reason="result_code: must be an integer"',
    'response rejected deviceId=rude topic="$oc/devices/rude/sys/properties/get/response/request_id=<uuid>" reason="services[0].properties: must be an object"',
  ]);
  assert.ok(device.client.connected, "bad payloads keep the connection");
  // the good service of the mixed report was applied
  assert.deepEqual(broker.platform.shadow("rude", "ok").shadow[0].reported.properties, { a: 1 });
});
