// CreateMessage bodies into what the device receives, and the queue for offline devices.
import assert from "node:assert/strict";
import { test } from "node:test";
import { MESSAGE_MAX_BYTES, MessageQueue, type OutgoingMessage, readMessageRequest } from "../../broker/messages";

const read = (body: unknown) => readMessageRequest("dev", body, 1000);
const refused = (body: unknown, detail: string) =>
  assert.throws(() => read(body), { code: "IOTDA.000006", message: detail }, JSON.stringify(body).slice(0, 80));

test("standard format on messages/down or on a user topic", () => {
  const m = read({ message_id: "m1", name: "n", message: { a: 1 } });
  assert.deepEqual({ ...m, payload: JSON.parse(m.payload.toString()) }, {
    messageId: "m1",
    topic: "$oc/devices/dev/sys/messages/down",
    payload: { object_device_id: "dev", name: "n", id: "m1", content: { a: 1 } },
    createdMs: 1000,
  });
  const custom = read({ message: "text", topic: "cfg/down" });
  assert.equal(custom.topic, "$oc/devices/dev/user/cfg/down");
  assert.match(custom.messageId, /^[0-9a-f-]{36}$/);
  assert.deepEqual(JSON.parse(custom.payload.toString()), { object_device_id: "dev", id: custom.messageId, content: "text" });
});

test("raw and base64 go out as bytes, on the full topic given", () => {
  assert.deepEqual(read({ message: "AAH+/w==", encoding: "base64", topic_full_name: "t/x" }).payload, Buffer.from([0, 1, 0xfe, 0xff]));
  assert.equal(read({ message: { a: 1 }, payload_format: "raw", topic_full_name: "t/x" }).payload.toString(), '{"a":1}');
  assert.equal(read({ message: "x", payload_format: "raw", topic_full_name: "t/x" }).topic, "t/x");
});

test("IoTDA's limits, each refusal naming the field", () => {
  refused("x", "body: must be a JSON object");
  refused({}, "message: required, a string or JSON");
  refused({ message: null }, "message: required, a string or JSON");
  refused({ message: "x".repeat(MESSAGE_MAX_BYTES + 1) }, `message: at most ${MESSAGE_MAX_BYTES} bytes, got ${MESSAGE_MAX_BYTES + 1}`);
  // the limit counts bytes: 2 bytes of UTF-8 each
  refused({ message: "é".repeat(MESSAGE_MAX_BYTES / 2 + 1) }, `message: at most ${MESSAGE_MAX_BYTES} bytes, got ${MESSAGE_MAX_BYTES + 2}`);
  assert.equal(read({ message: "x".repeat(MESSAGE_MAX_BYTES) }).messageId.length, 36);
  refused({ message: "x", message_id: "a b" }, "message_id: must be 1-128 letters, digits, '_' or '-'");
  refused({ message: "x", message_id: "a".repeat(129) }, "message_id: must be 1-128 letters, digits, '_' or '-'");
  refused({ message: "x", name: "" }, "name: must be 1-128 characters");
  refused({ message: "x", topic: "a/+" }, "topic: must be 1-128 characters without '+', '#' or NUL");
  refused({ message: "x", topic_full_name: "t".repeat(129) }, "topic_full_name: must be 1-128 characters without '+', '#' or NUL");
  refused({ message: "x", topic: "a", topic_full_name: "b" }, "topic, topic_full_name: give at most one");
  refused({ message: "x", encoding: "hex" }, "encoding: must be one of none, base64");
  refused({ message: "x", payload_format: "binary" }, "payload_format: must be one of standard, raw");
  refused({ message: "AA==", encoding: "base64" }, "topic_full_name: required with encoding base64 or payload_format raw");
  refused({ message: "not base64!", encoding: "base64", topic_full_name: "t" }, "message: must be a base64 string with encoding base64");
});

test("the queue keeps order, replaces the oldest past its limit, and drops what expired", () => {
  const message = (id: string, createdMs: number): OutgoingMessage => ({ messageId: id, topic: "t", payload: Buffer.alloc(0), createdMs });
  const q = new MessageQueue(100, 3);
  assert.equal(q.add("d", message("a", 0)), undefined);
  q.add("d", message("b", 10));
  q.add("d", message("c", 50));
  assert.equal(q.add("d", message("e", 60))?.messageId, "a");
  q.add("other", message("x", 0));
  const { due, expired } = q.take("d", 110);
  assert.deepEqual(due.map((m) => m.messageId), ["c", "e"]);
  assert.deepEqual(expired.map((m) => m.messageId), ["b"]);
  assert.deepEqual(q.take("d", 110), { due: [], expired: [] });
  assert.deepEqual(q.take("other", 99).due.map((m) => m.messageId), ["x"]);
});
