// The platform's synchronous requests to a device: commands, property set, property get. One request
// id, one waiter per response topic, one timeout (IoTDA's 20 s): the caller gets the device's answer or
// an IoTDA error (device offline, timeout, an answer that is not one).
import { randomUUID } from "node:crypto";
import { line } from "./log";
import { badDeviceResponse, deviceOffline, requestTimeout } from "./iotda-errors";
import { type RequestKind, requestTopic, responseTopic } from "./topics";
import { readResponse } from "./uplink";

/** IoTDA waits this long for a device's answer to a command or a property set/get. */
export const IOTDA_TIMEOUT_MS = 20_000;

/**
 * Publishes straight to the device's connection (IoTDA subscribes devices to their system topics
 * implicitly); false when the device has no connection that completed CONNECT.
 */
export type SendDown = (deviceId: string, topic: string, payload: Buffer, qos: 0 | 1, done: (err?: Error) => void) => boolean;

export const jsonBytes = (body: unknown) => Buffer.from(JSON.stringify(body), "utf8");

export interface RequestOptions {
  timeoutMs?: number;
  /** 0 (default), as IoTDA's system topics are; 1 to have the device acknowledge delivery. */
  qos?: 0 | 1;
}

interface Waiter {
  kind: RequestKind;
  resolve(response: unknown): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

export class Requests {
  readonly #pending = new Map<string, Waiter>(); // response topic -> its request
  readonly #send: SendDown;
  readonly #log: (line: string) => void;
  readonly #timeoutMs: number;

  constructor(send: SendDown, log: (line: string) => void, timeoutMs = IOTDA_TIMEOUT_MS) {
    this.#send = send;
    this.#log = log;
    this.#timeoutMs = timeoutMs;
  }

  /** Sends `body` on `sys/{kind}/request_id={id}`; resolves with the id and the device's parsed answer. */
  async request(deviceId: string, kind: RequestKind, body: unknown, opts: RequestOptions = {}) {
    const requestId = randomUUID();
    const key = responseTopic(deviceId, kind, requestId);
    const topic = requestTopic(deviceId, kind, requestId);
    const sent = this.#send(deviceId, topic, jsonBytes(body), opts.qos ?? 0, (err) => {
      if (err !== undefined) this.#settle(key, deviceOffline(deviceId, `delivery to ${deviceId} failed: ${err.message}`));
    });
    if (!sent) throw deviceOffline(deviceId);
    this.#log(line`request sent deviceId=${deviceId} topic=${topic}`);
    const timeoutMs = opts.timeoutMs ?? this.#timeoutMs;
    const response = await new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#log(line`request timed out deviceId=${deviceId} topic=${topic} ms=${timeoutMs}`);
        this.#settle(key, requestTimeout(deviceId, timeoutMs));
      }, timeoutMs);
      this.#pending.set(key, { kind, resolve, reject, timer });
    });
    return { requestId, response };
  }

  /**
   * A device's publish on a response topic. undefined: no request waits there (unknown or late id);
   * otherwise the request is settled, with the answer or with the problem returned.
   */
  answer(topic: string, payload: Uint8Array): { problem?: string } | undefined {
    const waiter = this.#pending.get(topic);
    if (waiter === undefined) return undefined;
    const read = readResponse(waiter.kind, payload);
    if ("problem" in read) {
      this.#settle(topic, badDeviceResponse(read.problem));
      return { problem: read.problem };
    }
    this.#settle(topic, undefined, read.response);
    return {};
  }

  /** Fails every request still waiting. */
  close() {
    for (const topic of [...this.#pending.keys()]) this.#settle(topic, new Error(`broker closed before a response on ${topic}`));
  }

  #settle(topic: string, err: Error | undefined, response?: unknown) {
    const waiter = this.#pending.get(topic);
    if (waiter === undefined) return;
    this.#pending.delete(topic);
    clearTimeout(waiter.timer);
    if (err === undefined) waiter.resolve(response);
    else waiter.reject(err);
  }
}
