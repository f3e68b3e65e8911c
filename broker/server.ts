// Local IoTDA-compatible MQTTS broker: aedes behind node:tls, IoTDA's CONNECT rules (auth.ts), one
// connection per device, a per-device topic ACL, device uplink never forwarded to subscriptions,
// command delivery with the response matched by request id, and $time_sync answers (events.ts).
import { Aedes, type Client, type PublishPacket } from "aedes";
import { randomUUID } from "node:crypto";
import { EventEmitter, once } from "node:events";
import type { Socket } from "node:net";
import { createServer } from "node:tls";
import { type ConnackCode, verifyConnect } from "./auth";
import { type Certs, generateCerts } from "./certs";
import { readEvents, timeSyncResponse } from "./events";
import { line } from "./log";
import { type DeviceRecord, type Registry, toRegistry } from "./registry";

export interface BrokerOptions {
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  devices: Registry | Record<string, DeviceRecord>;
  /** signType 1 clock tolerance; see DEFAULT_TOLERANCE_MS in auth.ts. */
  toleranceMs?: number;
  /** Server certificate; generated (and deleted on close) when omitted. */
  certs?: Certs;
  /** One line per event; values clients chose are quoted and escaped (log.ts). */
  log?: (line: string) => void;
  /** Broker clock for timestamp checks and $time_sync answers, epoch ms. */
  now?: () => number;
}

export interface BrokerEvents {
  client: [{ deviceId: string; clientId: string }];
  rejected: [{ clientId: string; returnCode: ConnackCode; reason: string }];
  publish: [{ deviceId: string; clientId: string; topic: string; payload: Buffer }];
  /** replacedBy: the clientId of the login that ended this connection (IoTDA keeps one per device). */
  disconnect: [{ deviceId: string; clientId: string; replacedBy?: string }];
  /** A device acknowledged (PUBACK) a QoS 1 message the broker sent it. */
  ack: [{ deviceId: string; clientId: string }];
}

export interface Command {
  command_name: string;
  service_id?: string;
  paras: Record<string, unknown>;
}

export interface BrokerStats {
  /** Devices connected now. */
  connected: number;
  accepted: number;
  rejected: number;
  /** PUBLISH packets from devices that passed the ACL. */
  publishes: number;
  /** TLS handshakes that failed (e.g. the client distrusted our CA). */
  tlsErrors: number;
}

export interface Broker {
  host: string;
  port: number;
  certs: Certs;
  events: EventEmitter<BrokerEvents>;
  /**
   * Sends a command to the device's current connection (QoS 0 unless `qos: 1`); resolves with its
   * parsed JSON response.
   */
  publishCommand(deviceId: string, command: Command, opts?: { timeoutMs?: number; qos?: 0 | 1 }): Promise<unknown>;
  stats(): BrokerStats;
  close(): Promise<void>;
}

interface Pending {
  resolve(value: unknown): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

const devicePrefix = (deviceId: string) => `$oc/devices/${deviceId}/`;

export async function startBroker(opts: BrokerOptions): Promise<Broker> {
  const host = opts.host ?? "127.0.0.1";
  const registry = opts.devices instanceof Map ? opts.devices : toRegistry(opts.devices as Record<string, DeviceRecord>);
  const log = opts.log ?? (() => {});
  const now = opts.now ?? Date.now;
  const certs = opts.certs ?? generateCerts();
  const events = new EventEmitter<BrokerEvents>();
  const counts = { accepted: 0, rejected: 0, publishes: 0, tlsErrors: 0 };
  // keepalive is only visible in preConnect, authenticate runs later without the packet
  const keepalives = new WeakMap<Client, number>();
  // set once authenticated; the ACL and events read it instead of re-parsing the clientId
  const deviceOf = new WeakMap<Client, string>();
  // newest accepted connection per device, the target of commands
  const current = new Map<string, Client>();
  // connection -> clientId of the login that ends it
  const replacedBy = new WeakMap<Client, string>();
  const pending = new Map<string, Pending>(); // response topic -> waiting publishCommand
  // payloads of the broker's own downlink; aedes hands the same Buffer to authorizeForward
  const downlink = new WeakSet<Buffer>();
  const sockets = new Set<Socket>();

  const aedes = await Aedes.createBroker({
    preConnect(client, packet, callback) {
      keepalives.set(client, packet.keepalive ?? 0);
      callback(null, true);
    },
    authenticate(client, username, password, done) {
      const result = verifyConnect(
        { clientId: client.id, username, password, keepalive: keepalives.get(client) ?? 0 },
        registry,
        { nowMs: now(), toleranceMs: opts.toleranceMs },
      );
      if (result.returnCode === 0) {
        deviceOf.set(client, result.deviceId!);
        // aedes itself ends the connection whose clientId logs in again [MQTT-3.1.4-2], before 'client'
        const previous = current.get(result.deviceId!);
        if (previous?.id === client.id) replacedBy.set(previous, client.id);
        done(null, true);
        return;
      }
      counts.rejected++;
      log(line`connect refused clientId=${client.id} code=${result.returnCode} reason=${result.reason}`);
      events.emit("rejected", { clientId: client.id, returnCode: result.returnCode, reason: result.reason });
      // aedes sends CONNACK with error.returnCode, then closes the connection
      done(Object.assign(new Error(result.reason), { returnCode: result.returnCode }), false);
    },
    authorizePublish(client, packet, callback) {
      // client is null for the broker's own publishes (heartbeats)
      if (client === null || packet.topic.startsWith(devicePrefix(deviceOf.get(client)!))) return callback(null);
      // MQTT 3.1.1 cannot refuse a PUBLISH in-band; aedes drops the connection on this error
      log(line`publish denied, connection dropped clientId=${client.id} topic=${packet.topic}`);
      callback(new Error(`topic ${packet.topic} outside ${devicePrefix(deviceOf.get(client)!)}`));
    },
    authorizeSubscribe(client, sub, callback) {
      if (sub.topic.startsWith(devicePrefix(deviceOf.get(client)!))) return callback(null, sub);
      log(line`subscribe denied clientId=${client.id} topic=${sub.topic}`);
      callback(null, null); // SUBACK return code 0x80 for this filter, connection stays
    },
    // On IoTDA device uplink goes to the platform, never back to devices, so subscriptions carry only
    // the broker's own downlink: no echo of a device's publishes, live or retained.
    authorizeForward(_client, packet) {
      return downlink.has(packet.payload as Buffer) ? packet : null;
    },
  });

  aedes.on("client", (client) => {
    const deviceId = deviceOf.get(client)!;
    counts.accepted++;
    const previous = current.get(deviceId);
    current.set(deviceId, client);
    // IoTDA keeps one connection per device: a login under another clientId ends the previous one
    if (previous !== undefined && previous !== client) {
      replacedBy.set(previous, client.id);
      previous.close();
    }
    log(line`connect accepted clientId=${client.id} keepalive=${keepalives.get(client)}`);
    events.emit("client", { deviceId, clientId: client.id });
  });
  aedes.on("clientDisconnect", (client) => {
    const deviceId = deviceOf.get(client)!;
    const by = replacedBy.get(client);
    if (current.get(deviceId) === client) current.delete(deviceId);
    if (by === undefined) log(line`disconnect clientId=${client.id}`);
    else log(line`disconnect, replaced by a new login clientId=${client.id} by=${by}`);
    events.emit("disconnect", { deviceId, clientId: client.id, replacedBy: by });
  });
  // Devices speak QoS 0/1 only, so an ack is a PUBACK. aedes passes the acknowledged packet only for
  // messages it persisted; commands go straight to the connection, so it is not reported.
  aedes.on("ack", (_packet, client) => {
    events.emit("ack", { deviceId: deviceOf.get(client)!, clientId: client.id });
  });
  aedes.on("publish", (packet, client) => {
    if (client === null) return;
    const deviceId = deviceOf.get(client)!;
    const payload = Buffer.from(packet.payload);
    counts.publishes++;
    log(line`publish clientId=${client.id} topic=${packet.topic} qos=${packet.qos} bytes=${payload.length}`);
    events.emit("publish", { deviceId, clientId: client.id, topic: packet.topic, payload });
    if (packet.topic === `${devicePrefix(deviceId)}sys/events/up`) onEvents(client, deviceId, payload);
    else resolveResponse(packet.topic, payload);
  });

  // The chain, not the leaf alone: Moddable's TLS checks the server's name only on a certificate
  // that comes with its issuer, so a leaf-only server fails the device's hostname check.
  const server = createServer({ key: certs.keyPem, cert: certs.certPem + certs.caPem, minVersion: "TLSv1.2" }, (socket) => {
    aedes.handle(socket);
  });
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  server.on("tlsClientError", (err) => {
    counts.tlsErrors++;
    log(line`tls handshake failed error=${err.message}`);
  });
  // a backlog above Node's default 511 lets 1,000 devices connect at once without SYN retries
  server.listen({ host, port: opts.port ?? 0, backlog: 1024 });
  await once(server, "listening");
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("broker: no TCP address after listen");

  async function publishCommand(deviceId: string, command: Command, cmdOpts: { timeoutMs?: number; qos?: 0 | 1 } = {}) {
    const client = current.get(deviceId);
    if (client === undefined) throw new Error(`publishCommand: device ${deviceId} is not connected`);
    const requestId = randomUUID();
    const base = `${devicePrefix(deviceId)}sys/commands/`;
    const responseTopic = `${base}response/request_id=${requestId}`;
    const body = { object_device_id: deviceId, ...command };
    const response = new Promise<unknown>((resolve, reject) => {
      const timeoutMs = cmdOpts.timeoutMs ?? 10_000;
      const timer = setTimeout(() => {
        pending.delete(responseTopic);
        reject(new Error(`publishCommand: no response from ${deviceId} within ${timeoutMs} ms`));
      }, timeoutMs);
      pending.set(responseTopic, { resolve, reject, timer });
    });
    const topic = `${base}request_id=${requestId}`;
    sendDown(client, topic, body, cmdOpts.qos ?? 0, (err) => {
      const waiter = pending.get(responseTopic);
      if (err === undefined || waiter === undefined) return;
      pending.delete(responseTopic);
      clearTimeout(waiter.timer);
      waiter.reject(new Error(`publishCommand: delivery to ${deviceId} failed: ${err.message}`));
    });
    log(line`command sent deviceId=${deviceId} topic=${topic} name=${command.command_name}`);
    return response;
  }

  /**
   * Sends JSON straight to one connection: IoTDA subscribes devices to their system downlink topics
   * implicitly, so it does not go through subscriptions.
   */
  function sendDown(client: Client, topic: string, body: unknown, qos: 0 | 1, done: (err?: Error) => void) {
    const payload = Buffer.from(JSON.stringify(body), "utf8");
    downlink.add(payload);
    const packet: PublishPacket = { cmd: "publish", topic, payload, qos, retain: false, dup: false };
    client.publish(packet, done);
  }

  /** Settles the publishCommand waiting for a response on this topic, if any. */
  function resolveResponse(topic: string, payload: Buffer) {
    const waiter = pending.get(topic);
    if (waiter === undefined) return;
    pending.delete(topic);
    clearTimeout(waiter.timer);
    try {
      waiter.resolve(JSON.parse(payload.toString("utf8")));
    } catch {
      waiter.reject(new Error(`command response on ${topic} is not JSON`));
    }
  }

  /** Device events: $time_sync is answered, anything else logged; a malformed one never ends the connection. */
  function onEvents(client: Client, deviceId: string, payload: Buffer) {
    const receivedMs = now();
    for (const event of readEvents(payload)) {
      if (event.kind === "time_sync") answerTimeSync(client, deviceId, event.deviceSendTime, receivedMs);
      else if (event.kind === "other") log(line`event deviceId=${deviceId} service_id=${event.serviceId} event_type=${event.eventType}`);
      else log(line`event ignored deviceId=${deviceId} reason=${event.reason}`);
    }
  }

  // QoS 0 to the connection that asked: IoTDA delivers system downlink without a subscription
  function answerTimeSync(client: Client, deviceId: string, deviceSendTime: number, receivedMs: number) {
    const body = timeSyncResponse(deviceId, deviceSendTime, receivedMs, now());
    sendDown(client, `${devicePrefix(deviceId)}sys/events/down`, body, 0, (err) => {
      if (err !== undefined) log(line`time sync not delivered deviceId=${deviceId} error=${err.message}`);
    });
    log(line`time sync answered deviceId=${deviceId} device_send_time=${deviceSendTime}`);
  }

  async function close() {
    for (const [topic, waiter] of pending) {
      clearTimeout(waiter.timer);
      waiter.reject(new Error(`broker closed before a response on ${topic}`));
    }
    pending.clear();
    const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
    await new Promise<void>((resolve) => aedes.close(() => resolve()));
    // connections that never completed CONNECT are not aedes clients; end them so server.close returns
    for (const socket of sockets) socket.destroy();
    await serverClosed;
    if (opts.certs === undefined) certs.cleanup();
  }

  return {
    host,
    port: address.port,
    certs,
    events,
    publishCommand,
    stats: () => ({ connected: aedes.connectedClients, ...counts }),
    close,
  };
}
