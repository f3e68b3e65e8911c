// The local IoTDA's provisioning service (IoTDP bootstrap), on a TLS listener of its own with the
// same certificate: a device logs in as it does to IoTDA (secret or certificate, verified against
// the registry by auth.ts), or as a device of a registration group (clientId
// {deviceId}_0_{scopeId}_{signType}_{YYYYMMDDHH}, password over the secret derived from the group's:
// it is registered in the IoTDA registry with that secret when it logs in). Its publish on
// .../sys/bootstrap/up is answered on .../sys/bootstrap/down with the address it is assigned,
// {"address": "host:port", "initConfig": ...}, or with {"errorCode", "errorMsg"} when it has none.
import { Aedes, type Client } from "aedes";
import { createHmac } from "node:crypto";
import { once } from "node:events";
import type { Socket } from "node:net";
import { createServer } from "node:tls";
import { type AuthOptions, type AuthResult, clientCertificate, FIELD_MAX, verifyConnect, verifyHourAndKeepalive, verifySecret } from "./auth";
import { type Certs, serverTlsOptions } from "./certs";
import type { Assignment, RegistrationGroup } from "./bootstrap-bodies";
import { invalidInput } from "./iotda-errors";
import { line } from "./log";
import type { DeviceRecord, Registry } from "./registry";
import { devicePrefix } from "./topics";

export type { Assignment, RegistrationGroup } from "./bootstrap-bodies";

export interface ProvisioningOptions {
  host: string;
  port?: number;
  certs: Certs;
  registry: Registry;
  /** Adds a registration group's device to the IoTDA registry (with its derived secret). */
  register: (deviceId: string, record: DeviceRecord) => void;
  /** The local IoTDA's own device endpoint: where a device assigned without an address goes. */
  endpoint: string;
  /** CAs (PEM) of device certificates, as the IoTDA listener takes them. */
  deviceCas: string[];
  log: (line: string) => void;
  now: () => number;
  toleranceMs?: number;
}

export interface Provisioning {
  port: number;
  /** Sends the device to `assignment` (default: the local IoTDA's own endpoint) from its next bootstrap on. */
  assign(deviceId: string, assignment?: Partial<Assignment>): void;
  /** Forgets the device's assignment: its next bootstrap is answered with an error. */
  unassign(deviceId: string): void;
  addGroup(scopeId: string, group: RegistrationGroup): void;
  close(): Promise<void>;
}

/** The answer for a device with no assignment, in IoTDP's {errorCode, errorMsg} form; the code is ours (IoTDP's own list is not checked here). */
export const NO_ASSIGNMENT = { errorCode: "IOTDP.010001", errorMsg: "the device has no assignment to an IoTDA instance" };

const SCOPE_ID = /^[A-Za-z0-9]{1,64}$/;
// id greedy, as auth.ts's: device ids may contain '_'
const GROUP_CLIENT_ID = /^(.+)_0_([A-Za-z0-9]{1,64})_([01])_(\d{10})$/;

/** A registration group device's secret: hex(HMAC-SHA256(key = deviceId, message = Base64-decoded group secret)), by node:crypto. */
export function groupDeviceSecret(deviceId: string, groupSecret: string): string {
  return createHmac("sha256", deviceId).update(Buffer.from(groupSecret, "base64")).digest("hex");
}

export async function startProvisioning(opts: ProvisioningOptions): Promise<Provisioning> {
  const { registry, log } = opts;
  const assignments = new Map<string, Assignment>();
  const groups = new Map<string, RegistrationGroup>();
  const keepalives = new WeakMap<Client, number>();
  const deviceOf = new WeakMap<Client, string>();
  const sockets = new Set<Socket>();
  // the answers' payloads: aedes hands the same Buffer to authorizeForward
  const answers = new WeakSet<Buffer>();

  // A registration group's login, when the clientId names a known scope; else undefined.
  function verifyGroup(clientId: string, username: string | undefined, password: Buffer | undefined, keepalive: number, auth: AuthOptions): AuthResult | undefined {
    const m = GROUP_CLIENT_ID.exec(clientId);
    const group = m === null ? undefined : groups.get(m[2]);
    if (m === null || group === undefined) return undefined;
    const [, deviceId, scopeId, signType, timestamp] = m;
    if (clientId.length > FIELD_MAX) return { returnCode: 2, reason: `clientId longer than ${FIELD_MAX} characters`, deviceId };
    const bad = verifyHourAndKeepalive(timestamp, keepalive, deviceId);
    if (bad !== undefined) return bad;
    if (username !== deviceId) return { returnCode: 4, reason: "username does not equal the device id", deviceId };
    const secret = groupDeviceSecret(deviceId, group.secret);
    const refused = verifySecret(password, secret, signType, timestamp, auth);
    if (refused !== undefined) return { ...refused, deviceId };
    const known = registry.get(deviceId);
    if (known !== undefined && known.secret !== secret) return { returnCode: 4, reason: "device id registered already, not by this group", deviceId };
    if (known === undefined) {
      opts.register(deviceId, { secret });
      log(line`provisioning: registered deviceId=${deviceId} scopeId=${scopeId}`);
    }
    if (!assignments.has(deviceId)) assignments.set(deviceId, group.assignment ?? { address: opts.endpoint });
    return { returnCode: 0, reason: "accepted", deviceId };
  }

  const aedes = await Aedes.createBroker({
    preConnect(client, packet, callback) {
      keepalives.set(client, packet.keepalive ?? 0);
      callback(null, true);
    },
    authenticate(client, username, password, done) {
      const keepalive = keepalives.get(client) ?? 0;
      const auth = { nowMs: opts.now(), toleranceMs: opts.toleranceMs };
      const result = verifyGroup(client.id, username, password, keepalive, auth) ??
        verifyConnect({ clientId: client.id, username, password, keepalive, certificate: clientCertificate(client) }, registry, auth);
      if (result.returnCode === 0) {
        deviceOf.set(client, result.deviceId!);
        log(line`provisioning: connect accepted clientId=${client.id}`);
        return done(null, true);
      }
      log(line`provisioning: connect refused clientId=${client.id} code=${result.returnCode} reason=${result.reason}`);
      done(Object.assign(new Error(result.reason), { returnCode: result.returnCode }), false);
    },
    authorizePublish(client, packet, callback) {
      if (client === null || packet.topic === `${devicePrefix(deviceOf.get(client)!)}sys/bootstrap/up`) return callback(null);
      log(line`provisioning: publish denied, connection dropped clientId=${client.id} topic=${packet.topic}`);
      callback(new Error(`topic ${packet.topic}: the provisioning service takes sys/bootstrap/up only`));
    },
    authorizeSubscribe(client, sub, callback) {
      if (sub.topic === `${devicePrefix(deviceOf.get(client)!)}sys/bootstrap/down`) return callback(null, sub);
      log(line`provisioning: subscribe denied clientId=${client.id} topic=${sub.topic}`);
      callback(null, null);
    },
    // only the service's answers reach a device, never what another device published
    authorizeForward: (_client, packet) => (answers.has(packet.payload as Buffer) ? packet : null),
  });

  aedes.on("publish", (packet, client) => {
    if (client === null) return;
    const deviceId = deviceOf.get(client)!;
    const assignment = assignments.get(deviceId);
    const answer = assignment === undefined ? NO_ASSIGNMENT : { address: assignment.address, initConfig: assignment.initConfig ?? "{}" };
    log(line`provisioning: bootstrap deviceId=${deviceId} answer=${JSON.stringify(answer)}`);
    const payload = Buffer.from(JSON.stringify(answer));
    answers.add(payload);
    client.publish({ cmd: "publish", topic: `${devicePrefix(deviceId)}sys/bootstrap/down`, payload, qos: 0, retain: false, dup: false }, () => {});
  });

  const askCertificate = opts.deviceCas.length ? { requestCert: true, rejectUnauthorized: false, ca: opts.deviceCas } : {};
  const server = createServer({ ...serverTlsOptions(opts.certs), ...askCertificate }, (socket) => aedes.handle(socket));
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  server.on("tlsClientError", (err) => log(line`provisioning: tls handshake failed error=${err.message}`));
  server.listen({ host: opts.host, port: opts.port ?? 0 });
  await once(server, "listening");
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("provisioning: no TCP address after listen");

  return {
    port: address.port,
    assign(deviceId, assignment = {}) {
      assignments.set(deviceId, { address: assignment.address ?? opts.endpoint, initConfig: assignment.initConfig });
    },
    unassign: (deviceId) => void assignments.delete(deviceId),
    addGroup(scopeId, group) {
      if (!SCOPE_ID.test(scopeId)) throw invalidInput("scope_id: must be 1 to 64 letters and digits");
      if (typeof group.secret !== "string" || !/^[A-Za-z0-9+/]+={0,2}$/.test(group.secret) || group.secret.length % 4 !== 0) {
        throw invalidInput(`groups.${scopeId}.secret: must be padded Base64`);
      }
      groups.set(scopeId, group);
    },
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
