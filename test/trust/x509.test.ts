// IoTDA's X.509 device authentication end to end on the host board: the session presents a device
// certificate (clientId {id}_0_0_{YYYYMMDDHH}, username the id, no password) over real TLS, and the
// local IoTDA accepts the registered fingerprint under a trusted device CA and refuses, with CONNACK
// 4, an unknown fingerprint, an expired certificate and one from a CA it does not trust.
import assert from "node:assert/strict";
import type { EventEmitter } from "node:events";
import { after, before, test } from "node:test";
import { type Certs, generateCerts } from "../../broker/certs";
import { type DeviceCertificate, generateDeviceCa, issueDeviceCertificate } from "../../broker/device-certs";
import { type Broker, startBroker } from "../../broker/server";
import "../../boards/host/register";
import { utcHour } from "../fixtures/iotda";
import { until } from "../fixtures/until";

const { Session } = await import("../../src/session");

let certs: Certs;
let broker: Broker;
const devices: Record<string, DeviceCertificate> = {};
const sessions: InstanceType<typeof Session>[] = [];

before(async () => {
	certs = generateCerts();
	const ca = generateDeviceCa();
	const stranger = generateDeviceCa({ name: "not a device CA of this platform" });
	devices.good = issueDeviceCertificate(ca, { deviceId: "x509-good" });
	devices.unknown = issueDeviceCertificate(ca, { deviceId: "x509-unknown" });		// not the registered one
	devices.expired = issueDeviceCertificate(ca, { deviceId: "x509-expired", validFrom: new Date(Date.now() - 10 * 86_400_000), days: 2 });
	devices.untrusted = issueDeviceCertificate(stranger, { deviceId: "x509-untrusted" });
	const registered = issueDeviceCertificate(ca, { deviceId: "x509-unknown" });
	broker = await startBroker({
		certs,
		deviceCas: [ca.certPem],
		devices: {
			"x509-good": { fingerprint: devices.good.fingerprint },
			"x509-unknown": { fingerprint: registered.fingerprint },
			"x509-expired": { fingerprint: devices.expired.fingerprint },
			"x509-untrusted": { fingerprint: devices.untrusted.fingerprint },
			"secret-dev": { secret: "secret-dev-Zq8" },
		},
	});
});

after(async () => {
	for (const session of sessions)
		session.stop();
	await broker.close();
	certs.cleanup();
});

function collect(event: "client" | "rejected"): any[] {
	const seen: any[] = [];
	(broker.events as EventEmitter).on(event, value => seen.push(value));
	return seen;
}

function open(deviceId: string, device: DeviceCertificate) {
	const session = new Session({
		host: "127.0.0.1", port: broker.port, serverName: "localhost", ca: certs.caDer, deviceId,
		client: { certificates: [device.certDer], key: device.keyDer },
		retryBaseMs: 60_000, retryCapMs: 60_000, log: () => {},
	});
	sessions.push(session);
	session.start();
	return session;
}

test("the registered certificate: CONNACK 0 with clientId {id}_0_0_{hour}, username the id and no password", async () => {
	const clients = collect("client");
	const session = open("x509-good", devices.good);
	await until(() => session.state === "online", "online");
	assert.match(clients[0].clientId, new RegExp(`^x509-good_0_0_(${utcHour(Date.now() - 3_600_000)}|${utcHour(Date.now())})$`));
	session.stop();
});

test("an unknown fingerprint, an expired certificate, an untrusted CA: CONNACK 4 naming why, never online", async () => {
	const rejected = collect("rejected");
	const reasons: Record<string, RegExp> = {
		unknown: /fingerprint is not the registered one/,
		expired: /not trusted: CERT_HAS_EXPIRED/,
		untrusted: /not trusted: UNABLE_TO_GET_ISSUER_CERT_LOCALLY|not trusted: UNABLE_TO_VERIFY_LEAF_SIGNATURE/,
	};
	for (const [name, reason] of Object.entries(reasons)) {
		const deviceId = `x509-${name}`;
		const session = open(deviceId, devices[name]);
		await until(() => rejected.some(r => r.clientId.startsWith(`${deviceId}_`)), `${name} refused`);
		const refusal = rejected.find(r => r.clientId.startsWith(`${deviceId}_`));
		assert.equal(refusal.returnCode, 4, name);
		assert.match(refusal.reason, reason, name);
		assert.notEqual(session.state, "online", name);
		session.stop();
	}
});

test("a certificate-registered device without a certificate, and a secret device, on the same broker", async () => {
	const rejected = collect("rejected");
	const clients = collect("client");
	const bare = new Session({ host: "127.0.0.1", port: broker.port, serverName: "localhost", ca: certs.caDer, deviceId: "x509-good", secret: "guess", retryBaseMs: 60_000, retryCapMs: 60_000, log: () => {} });
	sessions.push(bare);
	bare.start();
	await until(() => rejected.length > 0, "refused");
	assert.equal(rejected[0].returnCode, 4);
	assert.match(rejected[0].reason, /no client certificate/);
	bare.stop();
	const secret = new Session({ host: "127.0.0.1", port: broker.port, serverName: "localhost", ca: certs.caDer, deviceId: "secret-dev", secret: "secret-dev-Zq8", log: () => {} });
	sessions.push(secret);
	secret.start();
	await until(() => clients.some(c => c.deviceId === "secret-dev"), "the secret device online");
	secret.stop();
});

test("the session takes a secret or a certificate, not both and not neither; a certificate needs TLS", () => {
	const base = { host: "127.0.0.1", port: 1, ca: certs.caDer, deviceId: "d" };
	const client = { certificates: [devices.good.certDer], key: devices.good.keyDer };
	assert.throws(() => new Session({ ...base }), /^Error: secret: give the device secret or, with TLS, a client certificate \(one of the two\)$/);
	assert.throws(() => new Session({ ...base, secret: "s", client }), /one of the two/);
	assert.throws(() => new Session({ ...base, tls: false, client }), /^Error: client: a client certificate needs TLS$/);
});
