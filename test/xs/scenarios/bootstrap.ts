// src/bootstrap.ts on the scripted board, on XS and on Node: the provisioning login, the request
// after the SUBACK, error answers asked again after the backoff, the stored address and the app
// started there; two CONNACK 5 at it forget the address and restart; a registration group's login.
import { Provisioning } from "../../../src/bootstrap";
import { Device } from "../../../src/device";
import { Broker, loop, useBroker } from "../scripted";

export interface Input {
	deviceId: string;
	preferences: Record<string, string | number>;	// the domain "iotda", besides ca
	errors: number;			// error answers before the address
	address: string;
	connacks: number[];		// the scripted broker's, provisioning's first
	runMs: number;			// after the app started
}

const CA = Uint8Array.of(0x30, 0x02, 0x05, 0x00).buffer;		// DER enough for the trust set

class Preferences {
	values = new Map<string, string | number | ArrayBuffer>();
	get(domain: string, key: string) {
		return ("iotda" === domain) ? this.values.get(key) : undefined;
	}
	set(domain: string, key: string, value: string | number) {
		if ("iotda" === domain)
			this.values.set(key, value);
	}
	delete(domain: string, key: string) {
		if ("iotda" === domain)
			this.values.delete(key);
	}
}

const text = (hex: string) => hex.match(/../g)!.map(pair => String.fromCharCode(parseInt(pair, 16))).join("");

export function run(input: Input) {
	const broker = new Broker(input.connacks);
	useBroker(broker);
	const preferences = new Preferences();
	for (const [key, value] of Object.entries(input.preferences))
		preferences.values.set(key, value);
	preferences.values.set("cakey", CA);
	preferences.values.set("ca", "@cakey");
	const log: string[] = [];
	let started = 0, restarts = 0;
	const provisioning = new Provisioning(preferences, settings => {
		started++;
		log.push(`app at ${settings.host}:${settings.port}`);
		const device = new Device(settings, error => log.push(error.message));
		device.start();
		return device;
	}, () => {
		restarts++;
	});
	provisioning.run();
	// Each request (a PUBLISH on bootstrap/up) gets an error answer, then the address.
	const up = `$oc/devices/${input.deviceId}/sys/bootstrap/up`;
	const requests: { t: number; payload: string }[] = [];
	const answers: number[] = [];		// when each answer went out
	let seen = 0;
	for (let step = 0; (step < 2000) && !started; step++) {
		loop.advance(250);
		for (; seen < broker.records.length; seen++) {
			const record = broker.records[seen];
			if (("packet" !== record.event) || ((parseInt(record.hex.slice(0, 2), 16) >> 4) !== 3))
				continue;
			const packet = text(record.hex);
			if (!packet.includes(up))
				continue;
			requests.push({ t: record.t, payload: packet.slice(packet.indexOf(up) + up.length + 2) });
			const answer = (requests.length <= input.errors)
				? JSON.stringify({ errorCode: "IOTDP.010001", errorMsg: "no assignment" })
				: JSON.stringify({ address: input.address, initConfig: "{\"a\":1}" });
			broker.deliver(`$oc/devices/${input.deviceId}/sys/bootstrap/down`, answer);
			answers.push(loop.now);
		}
	}
	const startedAt = loop.now;
	loop.advance(input.runMs, () => restarts > 0);
	const opens = broker.records.filter(record => "open" === record.event).map(record => ({ t: record.t, host: (record as { host: string }).host, port: (record as { port: number }).port }));
	const connects = broker.records.filter(record => ("packet" === record.event) && record.hex.startsWith("10")).map(record => text((record as { hex: string }).hex));
	return {
		requests, answers, opens, started, restarts, startedAt, log, initConfig: provisioning.initConfig,
		stored: { host: preferences.values.get("host"), port: preferences.values.get("port") },
		// each CONNECT's clientId, username and password: past its 10-byte variable header, strings with a 2-byte length
		logins: connects.map(packet => {
			let at = 1;
			while (packet.charCodeAt(at++) & 0x80);
			const fields: string[] = [];
			for (at += 10; at < packet.length; at += 2 + ((packet.charCodeAt(at) << 8) | packet.charCodeAt(at + 1)))
				fields.push(packet.slice(at + 2, at + 2 + ((packet.charCodeAt(at) << 8) | packet.charCodeAt(at + 1))));
			return fields;
		}),
	};
}

export type Output = ReturnType<typeof run>;
