// Routing a device's publishes by topic and reading their payloads, without a connection.
import assert from "node:assert/strict";
import { test } from "node:test";
import { routeUplink } from "../../broker/topics";
import { readReport, readResponse, readShadowGet } from "../../broker/uplink";

const bytes = (body: unknown) => Buffer.from(typeof body === "string" ? body : JSON.stringify(body));

test("topics route to what they are for", () => {
  const at = (rest: string) => routeUplink("dev_1", `$oc/devices/dev_1/${rest}`);
  assert.deepEqual(at("sys/properties/report"), { kind: "report" });
  assert.deepEqual(at("sys/events/up"), { kind: "events" });
  assert.deepEqual(at("sys/shadow/get/request_id=abc"), { kind: "shadow_get", requestId: "abc" });
  assert.deepEqual(at("sys/commands/response/request_id=r-1"), { kind: "response", request: "commands", requestId: "r-1" });
  assert.deepEqual(at("sys/properties/set/response/request_id=r"), { kind: "response", request: "properties/set", requestId: "r" });
  assert.deepEqual(at("sys/properties/get/response/request_id=r"), { kind: "response", request: "properties/get", requestId: "r" });
  for (const rest of ["sys/messages/up", "user/anything", "sys/shadow/get/request_id=", "sys/commands/response/request_id=a/b", "sys/properties/report/x"]) {
    assert.deepEqual(at(rest), { kind: "other" }, rest);
  }
});

test("a report keeps its good services and names each bad one", () => {
  assert.deepEqual(readReport(bytes({ services: [] })), { services: [], problems: [] });
  assert.deepEqual(readReport(bytes({ services: [
    { service_id: "a", properties: { x: 1 }, event_time: "20250414T013000Z" },
    { service_id: "b", properties: null },
    { service_id: "c", properties: {}, event_time: 20250414 },
    "d",
  ] })), {
    services: [{ service_id: "a", properties: { x: 1 }, event_time: "20250414T013000Z" }],
    problems: [
      "services[1].properties: must be an object",
      "services[2].event_time: must be yyyyMMdd'T'HHmmss'Z'",
      "services[3].service_id: must be a string",
    ],
  });
  for (const body of ["", "[]", "null", '{"services":{}}']) {
    assert.deepEqual(readReport(bytes(body)).problems, ["services: must be an array"], body);
  }
});

test("a shadow request asks for one service or all", () => {
  assert.deepEqual(readShadowGet(bytes({ object_device_id: "d" })), { serviceId: undefined });
  assert.deepEqual(readShadowGet(bytes({ service_id: "status" })), { serviceId: "status" });
  assert.deepEqual(readShadowGet(bytes("")), { problem: "payload: must be a JSON object" });
  assert.deepEqual(readShadowGet(bytes({ service_id: ["status"] })), { problem: "service_id: must be a string" });
});

test("answers: result codes for commands and set, services for get", () => {
  assert.deepEqual(readResponse("commands", bytes({ result_code: 0, response_name: "echo", paras: { a: 1 } })), { response: { result_code: 0, response_name: "echo", paras: { a: 1 } } });
  assert.deepEqual(readResponse("properties/set", bytes({ result_code: 1, result_desc: "read-only" })), { response: { result_code: 1, result_desc: "read-only" } });
  assert.deepEqual(readResponse("commands", bytes({})), { response: {} });
  const problems: Array<[Parameters<typeof readResponse>[0], unknown, string]> = [
    ["commands", "[1]", "payload: must be a JSON object"],
    ["commands", { result_code: 0.5 }, "result_code: must be an integer"],
    ["commands", { paras: [] }, "paras: must be an object"],
    ["commands", { response_name: 1 }, "response_name: must be a string"],
    ["properties/set", { result_desc: false }, "result_desc: must be a string"],
    ["properties/get", { result_code: 0 }, "services: must be an array"],
    ["properties/get", { services: [{ service_id: "s", properties: {}, event_time: "now" }] }, "services[0].event_time: must be yyyyMMdd'T'HHmmss'Z'"],
  ];
  for (const [kind, body, problem] of problems) assert.deepEqual(readResponse(kind, bytes(body)), { problem }, JSON.stringify(body));
});
