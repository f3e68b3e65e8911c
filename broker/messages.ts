// Messages down (IoTDA's CreateMessage): the topic and bytes a message goes out as, and the queue that
// keeps messages for an offline device until it connects. IoTDA's limits: 256 KB of content, topics of
// at most 128 characters, 20 messages kept per device (a new one replaces the oldest), up to 24 hours.
import { randomUUID } from "node:crypto";
import { invalidInput } from "./iotda-errors";
import { isObject } from "./json";
import { messagesDownTopic, userTopic } from "./topics";

export const MESSAGE_MAX_BYTES = 256 * 1024;
export const MESSAGE_QUEUE_LIMIT = 20;
export const MESSAGE_TTL_MS = 24 * 60 * 60 * 1000;
const TEXT_MAX = 128;
const MESSAGE_ID = /^[A-Za-z0-9_-]{1,128}$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
// a PUBLISH topic names one topic: no wildcards, no NUL [MQTT-3.3.2-2], [MQTT-1.5.3-2]
const TOPIC = /^[^+#\0]{1,128}$/;

export interface OutgoingMessage {
  messageId: string;
  topic: string;
  payload: Buffer;
  createdMs: number;
}

/** A CreateMessage body as the message the device receives; throws invalidInput naming the field. */
export function readMessageRequest(deviceId: string, body: unknown, createdMs: number): OutgoingMessage {
  if (!isObject(body)) throw invalidInput("body: must be a JSON object");
  const messageId = optionalText(body, "message_id", MESSAGE_ID, "1-128 letters, digits, '_' or '-'") ?? randomUUID();
  const name = optionalText(body, "name", /^.{1,128}$/su, `1-${TEXT_MAX} characters`);
  const topic = optionalText(body, "topic", TOPIC, `1-${TEXT_MAX} characters without '+', '#' or NUL`);
  const fullName = optionalText(body, "topic_full_name", TOPIC, `1-${TEXT_MAX} characters without '+', '#' or NUL`);
  const encoding = oneOf(body, "encoding", ["none", "base64"]);
  const format = oneOf(body, "payload_format", ["standard", "raw"]);
  const message = body.message;
  if (message === undefined || message === null) throw invalidInput("message: required, a string or JSON");
  if (topic !== undefined && fullName !== undefined) throw invalidInput("topic, topic_full_name: give at most one");
  // IoTDA sends undecorated bytes only on a topic named in full
  if ((encoding === "base64" || format === "raw") && fullName === undefined) {
    throw invalidInput("topic_full_name: required with encoding base64 or payload_format raw");
  }
  const content = contentBytes(message, encoding);
  if (content.length > MESSAGE_MAX_BYTES) throw invalidInput(`message: at most ${MESSAGE_MAX_BYTES} bytes, got ${content.length}`);
  const payload = encoding === "base64" || format === "raw"
    ? content
    : Buffer.from(JSON.stringify({ object_device_id: deviceId, name, id: messageId, content: message }), "utf8");
  const to = fullName ?? (topic === undefined ? messagesDownTopic(deviceId) : userTopic(deviceId, topic));
  return { messageId, topic: to, payload, createdMs };
}

function contentBytes(message: unknown, encoding: string): Buffer {
  if (encoding === "base64") {
    if (typeof message !== "string" || !BASE64.test(message)) throw invalidInput("message: must be a base64 string with encoding base64");
    return Buffer.from(message, "base64");
  }
  return Buffer.from(typeof message === "string" ? message : JSON.stringify(message), "utf8");
}

function optionalText(body: Record<string, unknown>, field: string, pattern: RegExp, rule: string): string | undefined {
  const value = body[field];
  if (value === undefined) return undefined;
  if (typeof value !== "string" || !pattern.test(value)) throw invalidInput(`${field}: must be ${rule}`);
  return value;
}

function oneOf(body: Record<string, unknown>, field: string, values: string[]): string {
  const value = body[field] ?? values[0];
  if (typeof value !== "string" || !values.includes(value)) throw invalidInput(`${field}: must be one of ${values.join(", ")}`);
  return value;
}

/** Per device, in order: the messages waiting for it to connect. */
export class MessageQueue {
  readonly #queues = new Map<string, OutgoingMessage[]>();
  readonly #ttlMs: number;
  readonly #limit: number;

  constructor(ttlMs = MESSAGE_TTL_MS, limit = MESSAGE_QUEUE_LIMIT) {
    this.#ttlMs = ttlMs;
    this.#limit = limit;
  }

  /** Queues the message; returns the one it replaced when the device already had `limit` waiting. */
  add(deviceId: string, message: OutgoingMessage): OutgoingMessage | undefined {
    let queue = this.#queues.get(deviceId);
    if (queue === undefined) this.#queues.set(deviceId, (queue = []));
    queue.push(message);
    return queue.length > this.#limit ? queue.shift() : undefined;
  }

  /** Empties the device's queue: the messages still in time, in order, and those that expired. */
  take(deviceId: string, nowMs: number): { due: OutgoingMessage[]; expired: OutgoingMessage[] } {
    const queue = this.#queues.get(deviceId) ?? [];
    this.#queues.delete(deviceId);
    const inTime = (m: OutgoingMessage) => nowMs - m.createdMs < this.#ttlMs;
    return { due: queue.filter(inTime), expired: queue.filter((m) => !inTime(m)) };
  }
}
