// The platform's side of the local IoTDA. Northbound: what applications ask of a device (commands,
// property set and get, messages down, the shadow), answered in the shape of IoTDA's API. Southbound:
// what the platform does with a device's publishes (reports into the shadow, shadow answers, answers
// to its requests, events) and, when a device connects, the messages that waited for it. Upgrades
// (packages, tasks, the versions devices report) are ota.ts's.
import type { Command, ServiceProperties } from "./api-bodies";
import { eventTime, readEvents, timeSyncResponse } from "./events";
import { deviceNotFound } from "./iotda-errors";
import { line } from "./log";
import { MessageQueue, type OutgoingMessage, readMessageRequest } from "./messages";
import { Ota, type OtaTimes } from "./ota";
import { OTA_SERVICE, readOtaParas } from "./ota-events";
import { OtaPackages } from "./ota-packages";
import type { Registry } from "./registry";
import { jsonBytes, type RequestOptions, Requests, type SendDown } from "./requests";
import { type DesiredUpdate, Shadows } from "./shadow";
import { eventsDownTopic, routeUplink, shadowResponseTopic } from "./topics";
import { readReport, readShadowGet } from "./uplink";

export interface PlatformOptions {
  registry: Registry;
  send: SendDown;
  log: (line: string) => void;
  /** Epoch ms. */
  now: () => number;
  /** How long commands and property set/get wait for the device (IoTDA: 20 s). */
  requestTimeoutMs?: number;
  /** How long a message waits for an offline device (IoTDA: at most 24 h). */
  messageTtlMs?: number;
  /** Whether the device has a connection now (ShowDevice's status). */
  online: (deviceId: string) => boolean;
  /** Where a device downloads a task's package (the OTA file server's URL). */
  downloadUrl: (taskId: string, deviceId: string, packageId: string) => string;
  /** Upgrade packages are kept in this directory (else in memory); IoTDA's upgrade time limits. */
  ota?: OtaTimes & { packagesDir?: string };
}

export type MessageStatus = "PENDING" | "DELIVERED";

export class Platform {
  readonly #o: PlatformOptions;
  readonly #requests: Requests;
  readonly #shadows = new Shadows();
  readonly #queue: MessageQueue;
  /** Upgrade packages and tasks, as the HTTP API and the file server reach them. */
  readonly ota: Ota;

  constructor(opts: PlatformOptions) {
    this.#o = opts;
    this.#requests = new Requests(opts.send, opts.log, opts.requestTimeoutMs);
    this.#queue = new MessageQueue(opts.messageTtlMs);
    const { packagesDir, ...times } = opts.ota ?? {};
    this.ota = new Ota({ ...times, packages: new OtaPackages(packagesDir), registry: opts.registry, send: opts.send, log: opts.log, now: opts.now, downloadUrl: opts.downloadUrl });
  }

  // ---- northbound: IoTDA's application-side API -------------------------------------------------

  /** CreateCommand: the device's answer as `response`. */
  async command(deviceId: string, command: Command, opts?: RequestOptions) {
    this.#known(deviceId);
    const { requestId, response } = await this.#requests.request(deviceId, "commands", { object_device_id: deviceId, ...command }, opts);
    return { command_id: requestId, response };
  }

  /** UpdateProperties. */
  async setProperties(deviceId: string, services: ServiceProperties[], opts?: RequestOptions) {
    this.#known(deviceId);
    const { requestId, response } = await this.#requests.request(deviceId, "properties/set", { object_device_id: deviceId, services }, opts);
    return { request_id: requestId, response };
  }

  /** ListProperties: the device's answer, all services or the one named. */
  async getProperties(deviceId: string, serviceId?: string, opts?: RequestOptions) {
    this.#known(deviceId);
    const body = serviceId === undefined ? { object_device_id: deviceId } : { object_device_id: deviceId, service_id: serviceId };
    const { response } = await this.#requests.request(deviceId, "properties/get", body, opts);
    return { response };
  }

  /** CreateMessage: delivered now to a connected device, else kept until it connects. */
  sendMessage(deviceId: string, body: unknown) {
    this.#known(deviceId);
    const message = readMessageRequest(deviceId, body, this.#o.now());
    const created_time = eventTime(message.createdMs);
    if (this.#deliver(deviceId, message)) {
      return { message_id: message.messageId, result: { status: "DELIVERED" as MessageStatus, created_time, finished_time: eventTime(this.#o.now()) } };
    }
    const replaced = this.#queue.add(deviceId, message);
    this.#o.log(line`message queued deviceId=${deviceId} message_id=${message.messageId} topic=${message.topic}`);
    if (replaced !== undefined) this.#o.log(line`message dropped, queue full deviceId=${deviceId} message_id=${replaced.messageId}`);
    return { message_id: message.messageId, result: { status: "PENDING" as MessageStatus, created_time } };
  }

  /** ShowDeviceShadow. */
  shadow(deviceId: string, serviceId?: string) {
    this.#known(deviceId);
    return { device_id: deviceId, shadow: this.#shadows.view(deviceId, serviceId) };
  }

  /** ShowDevice, as far as the local platform knows a device: its connection and reported versions. */
  device(deviceId: string) {
    this.#known(deviceId);
    return { device_id: deviceId, status: this.#o.online(deviceId) ? "ONLINE" : "OFFLINE", ...this.ota.versions(deviceId) };
  }

  /** UpdateDeviceShadowDesiredData: the whole shadow after the change. */
  setDesired(deviceId: string, updates: DesiredUpdate[]) {
    this.#known(deviceId);
    this.#shadows.setDesired(deviceId, updates, eventTime(this.#o.now()));
    return this.shadow(deviceId);
  }

  // ---- southbound: the device's side ------------------------------------------------------------

  /** A publish of this device that passed the ACL. Nothing a device sends ends its connection here. */
  onPublish(deviceId: string, topic: string, payload: Buffer) {
    const route = routeUplink(deviceId, topic);
    if (route.kind === "report") this.#onReport(deviceId, payload);
    else if (route.kind === "events") this.#onEvents(deviceId, payload);
    else if (route.kind === "shadow_get") this.#onShadowGet(deviceId, route.requestId, payload);
    else if (route.kind === "response") {
      const answer = this.#requests.answer(topic, payload);
      if (answer === undefined) this.#o.log(line`response ignored, no request waiting deviceId=${deviceId} topic=${topic}`);
      else if (answer.problem !== undefined) this.#o.log(line`response rejected deviceId=${deviceId} topic=${topic} reason=${answer.problem}`);
    }
  }

  /** The device's connection completed CONNECT: the messages that waited go out, in order. */
  onReady(deviceId: string) {
    const { due, expired } = this.#queue.take(deviceId, this.#o.now());
    for (const m of expired) this.#o.log(line`message expired deviceId=${deviceId} message_id=${m.messageId}`);
    // one synchronous pass: the connection writes them in this order, before anything sent later
    const undelivered = due.findIndex((message) => !this.#deliver(deviceId, message));
    if (undelivered >= 0) for (const rest of due.slice(undelivered)) this.#queue.add(deviceId, rest);
    this.ota.onReady(deviceId);
  }

  close() {
    this.#requests.close();
  }

  #known(deviceId: string) {
    if (!this.#o.registry.has(deviceId)) throw deviceNotFound(deviceId);
  }

  /** false when the device has no connection to write to. */
  #deliver(deviceId: string, message: OutgoingMessage): boolean {
    return this.#o.send(deviceId, message.topic, message.payload, 0, (err) => {
      if (err !== undefined) this.#o.log(line`message not delivered deviceId=${deviceId} message_id=${message.messageId} error=${err.message}`);
      else this.#o.log(line`message delivered deviceId=${deviceId} message_id=${message.messageId} topic=${message.topic}`);
    });
  }

  #onReport(deviceId: string, payload: Buffer) {
    const { services, problems } = readReport(payload);
    for (const problem of problems) this.#o.log(line`report ignored deviceId=${deviceId} reason=${problem}`);
    if (services.length > 0) this.#shadows.report(deviceId, services, eventTime(this.#o.now()));
  }

  #onShadowGet(deviceId: string, requestId: string, payload: Buffer) {
    const request = readShadowGet(payload);
    if ("problem" in request) {
      this.#o.log(line`shadow get ignored deviceId=${deviceId} request_id=${requestId} reason=${request.problem}`);
      return;
    }
    const shadow = this.#shadows.view(deviceId, request.serviceId);
    this.#sendJson(deviceId, shadowResponseTopic(deviceId, requestId), { object_device_id: deviceId, shadow }, "shadow answer");
    this.#o.log(line`shadow answered deviceId=${deviceId} request_id=${requestId} services=${shadow.length}`);
  }

  /** Device events: $time_sync is answered, $ota goes to the upgrades, anything else is logged; a malformed one never ends the connection. */
  #onEvents(deviceId: string, payload: Buffer) {
    const receivedMs = this.#o.now();
    readEvents(payload).forEach((event, i) => {
      if (event.kind === "time_sync") {
        const body = timeSyncResponse(deviceId, event.deviceSendTime, receivedMs, this.#o.now());
        this.#sendJson(deviceId, eventsDownTopic(deviceId), body, "time sync");
        this.#o.log(line`time sync answered deviceId=${deviceId} device_send_time=${event.deviceSendTime}`);
        return;
      }
      if (event.kind === "malformed") return this.#o.log(line`event ignored deviceId=${deviceId} reason=${event.reason}`);
      const ota = event.serviceId === OTA_SERVICE ? readOtaParas(event.eventType, event.paras, `services[${i}].paras`) : undefined;
      if (ota === undefined) this.#o.log(line`event deviceId=${deviceId} service_id=${event.serviceId} event_type=${event.eventType}`);
      else if ("problem" in ota) this.#o.log(line`event ignored deviceId=${deviceId} event_type=${event.eventType} reason=${ota.problem}`);
      else if (ota.kind === "version_report") this.ota.onVersionReport(deviceId, ota);
      else this.ota.onProgress(deviceId, ota);
    });
  }

  // an answer to the connection that asked, QoS 0 as IoTDA's system downlink; `what` is our own text
  #sendJson(deviceId: string, topic: string, body: unknown, what: string) {
    const sent = this.#o.send(deviceId, topic, jsonBytes(body), 0, (err) => {
      if (err !== undefined) this.#o.log(what + line` not delivered deviceId=${deviceId} error=${err.message}`);
    });
    if (!sent) this.#o.log(what + line` not delivered deviceId=${deviceId} error=${"not connected"}`);
  }
}
