// Local IoTDA-compatible MQTTS broker: aedes behind node:tls, IoTDA's CONNECT rules (auth.ts), one
// connection per device, a per-device topic ACL, device uplink never forwarded to subscriptions. The
// platform's side (platform.ts) gets every device publish and sends its downlink through here, and
// is reachable over IoTDA's northbound HTTP API (http.ts) when `http` is given; upgrade packages are
// downloaded from the OTA file server (ota-files.ts) over HTTPS with the same certificate.
import { Aedes, type Client, type PublishPacket } from "aedes";
import { EventEmitter, once } from "node:events";
import type { Socket } from "node:net";
import { createServer } from "node:tls";
import type { Command } from "./api-bodies";
import { clientCertificate, type ConnackCode, verifyConnect } from "./auth";
import { type Certs, generateCerts, serverTlsOptions } from "./certs";
import { type HttpApi, startHttpApi } from "./http";
import { line } from "./log";
import type { NoticeTestHooks, OtaTimes } from "./ota";
import { downloadPath, type OtaFileServer, type OtaTestHooks, startOtaFileServer } from "./ota-files";
import { Platform } from "./platform";
import { type Assignment, type Provisioning, type RegistrationGroup, startProvisioning } from "./provisioning";
import { type DeviceRecord, type Registry, toRegistry } from "./registry";
import type { RequestOptions } from "./requests";
import { devicePrefix } from "./topics";

export type { Command } from "./api-bodies";

export interface BrokerOptions {
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  devices: Registry | Record<string, DeviceRecord>;
  /** signType 1 clock tolerance; see DEFAULT_TOLERANCE_MS in auth.ts. */
  toleranceMs?: number;
  /** Server certificate; generated (and deleted on close) when omitted. */
  certs?: Certs;
  /** CAs (PEM) whose device certificates the platform accepts: the server then asks clients for one (X.509 authentication). */
  deviceCas?: string[];
  /** One line per event; values clients chose are quoted and escaped (log.ts). */
  log?: (line: string) => void;
  /** Broker clock for timestamp checks, $time_sync answers, event times and message expiry, epoch ms. */
  now?: () => number;
  /** How long commands and property set/get wait for the device; IoTDA's 20 s by default. */
  requestTimeoutMs?: number;
  /** How long a message down waits for an offline device; IoTDA's 24 h by default. */
  messageTtlMs?: number;
  /** Starts IoTDA's northbound HTTP API (plain HTTP, 127.0.0.1 unless `host`); port 0 picks a free one. */
  http?: { port: number; host?: string };
  /** The OTA file server (always started): where it listens (default: `host`, a free port), the host its URLs name; where packages are kept, IoTDA's upgrade time limits, test hooks. */
  ota?: OtaTimes & { port?: number; host?: string; urlHost?: string; packagesDir?: string; testHooks?: OtaTestHooks & NoticeTestHooks };
  /**
   * Starts the provisioning service (IoTDP bootstrap, provisioning.ts) on its own TLS port (0: a
   * free one): registration groups by scopeId, and the devices assigned (an empty assignment is
   * this broker's own endpoint); a device not assigned gets an error answer.
   */
  provisioning?: { port?: number; groups?: Record<string, RegistrationGroup>; assignments?: Record<string, Partial<Assignment>> };
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
  /** The platform's side, as the HTTP API calls it; errors are IotdaErrors (iotda-errors.ts). */
  platform: Platform;
  /** The northbound HTTP API, when started. */
  http?: HttpApi;
  /** The provisioning service, when started. */
  provisioning?: Provisioning;
  /** The HTTPS server upgrade notices point at. */
  otaFiles: Pick<OtaFileServer, "url" | "port">;
  /** Replaces the OTA test hooks (the file server's and the notices'); {} turns them all off. */
  setOtaTestHooks(hooks: OtaTestHooks & NoticeTestHooks): void;
  /**
   * Sends a command to the device's current connection (QoS 0 unless `qos: 1`); resolves with its
   * parsed JSON response.
   */
  publishCommand(deviceId: string, command: Command, opts?: RequestOptions): Promise<unknown>;
  stats(): BrokerStats;
  close(): Promise<void>;
}

export async function startBroker(opts: BrokerOptions): Promise<Broker> {
  const host = opts.host ?? "127.0.0.1";
  // A Map either way: the provisioning service registers its registration groups' devices in it.
  const registry = (opts.devices instanceof Map ? opts.devices : toRegistry(opts.devices as Record<string, DeviceRecord>)) as Map<string, DeviceRecord>;
  const log = opts.log ?? (() => {});
  const now = opts.now ?? Date.now;
  const certs = opts.certs ?? generateCerts();
  const events = new EventEmitter<BrokerEvents>();
  const counts = { accepted: 0, rejected: 0, publishes: 0, tlsErrors: 0 };
  // keepalive is only visible in preConnect, authenticate runs later without the packet
  const keepalives = new WeakMap<Client, number>();
  // set once authenticated; the ACL and events read it instead of re-parsing the clientId
  const deviceOf = new WeakMap<Client, string>();
  // newest accepted connection per device, the target of the platform's downlink
  const current = new Map<string, Client>();
  // connection -> clientId of the login that ends it
  const replacedBy = new WeakMap<Client, string>();
  // payloads of the broker's own downlink; aedes hands the same Buffer to authorizeForward
  const downlink = new WeakSet<Buffer>();
  const sockets = new Set<Socket>();
  const { port: otaPort, host: otaHost, urlHost, testHooks, ...otaPlatform } = opts.ota ?? {};
  let otaFiles: OtaFileServer | undefined;
  const platform = new Platform({
    registry,
    send: sendDown,
    log,
    now,
    requestTimeoutMs: opts.requestTimeoutMs,
    messageTtlMs: opts.messageTtlMs,
    online: (deviceId) => current.get(deviceId)?.connected === true,
    downloadUrl: (taskId, deviceId, packageId) => otaFiles!.url + downloadPath(taskId, deviceId, packageId),
    ota: otaPlatform,
  });

  const aedes = await Aedes.createBroker({
    preConnect(client, packet, callback) {
      keepalives.set(client, packet.keepalive ?? 0);
      callback(null, true);
    },
    authenticate(client, username, password, done) {
      const result = verifyConnect(
        { clientId: client.id, username, password, keepalive: keepalives.get(client) ?? 0, certificate: clientCertificate(client) },
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
  // after CONNACK: what waited for the device may go out now
  aedes.on("clientReady", (client) => {
    if (current.get(deviceOf.get(client)!) === client) platform.onReady(deviceOf.get(client)!);
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
    platform.onPublish(deviceId, packet.topic, payload);
  });

  const deviceCas = opts.deviceCas ?? [];
  // The handshake goes on without a (good) certificate: the CONNACK says why, as IoTDA's does.
  const askCertificate = deviceCas.length ? { requestCert: true, rejectUnauthorized: false, ca: deviceCas } : {};
  const server = createServer({ ...serverTlsOptions(certs), ...askCertificate }, (socket) => {
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

  /**
   * Publishes straight to the device's current connection: IoTDA subscribes devices to their system
   * downlink implicitly, so it does not go through subscriptions. false before CONNACK or offline.
   */
  function sendDown(deviceId: string, topic: string, payload: Buffer, qos: 0 | 1, done: (err?: Error) => void): boolean {
    const client = current.get(deviceId);
    if (client === undefined || !client.connected) return false;
    downlink.add(payload);
    const packet: PublishPacket = { cmd: "publish", topic, payload, qos, retain: false, dup: false };
    client.publish(packet, done);
    return true;
  }

  // Declared before the first failure that calls close(), which closes whatever was started.
  let http: HttpApi | undefined;
  let provisioning: Provisioning | undefined;
  try {
    otaFiles = await startOtaFileServer({ ota: platform.ota, certs, host: otaHost ?? host, port: otaPort, urlHost, log });
  } catch (err) {
    await close();
    throw new Error(`ota files: cannot listen on ${otaHost ?? host}:${otaPort ?? 0}: ${(err as Error).message}`);
  }

  function setOtaTestHooks({ dropAfterBytes, untrustedCertificate, wrongSign, noticeAtSameVersion }: OtaTestHooks & NoticeTestHooks) {
    otaFiles!.setTestHooks({ dropAfterBytes, untrustedCertificate });
    platform.ota.setTestHooks({ wrongSign, noticeAtSameVersion });
  }
  if (testHooks !== undefined) setOtaTestHooks(testHooks);

  if (opts.provisioning !== undefined) {
    try {
      provisioning = await startProvisioning({
        host, port: opts.provisioning.port, certs, registry, register: (deviceId, record) => registry.set(deviceId, record),
        endpoint: `${host}:${address.port}`, deviceCas, log, now, toleranceMs: opts.toleranceMs,
      });
      for (const [scopeId, group] of Object.entries(opts.provisioning.groups ?? {})) provisioning.addGroup(scopeId, group);
      for (const [deviceId, assignment] of Object.entries(opts.provisioning.assignments ?? {})) provisioning.assign(deviceId, assignment);
    } catch (err) {
      await close();
      throw new Error(`provisioning: ${(err as Error).message}`);
    }
  }

  if (opts.http !== undefined) {
    try {
      http = await startHttpApi(platform, { ...opts.http, log, provisioning });
    } catch (err) {
      await close();
      throw new Error(`http api: cannot listen on ${opts.http.host ?? "127.0.0.1"}:${opts.http.port}: ${(err as Error).message}`);
    }
  }

  async function close() {
    platform.close();
    await provisioning?.close();
    await http?.close();
    await otaFiles?.close();
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
    platform,
    http,
    provisioning,
    otaFiles,
    setOtaTestHooks,
    publishCommand: (deviceId, command, cmdOpts) => platform.command(deviceId, command, cmdOpts).then((r) => r.response),
    stats: () => ({ connected: aedes.connectedClients, ...counts }),
    close,
  };
}
