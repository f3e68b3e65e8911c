// src/upgrade.ts on the scripted board, on XS and on Node: the session online at a scripted broker,
// an upgrade notice delivered on events/down, the package served by a scripted HTTPS file server
// (Range honoured, a link dropped where the case says), the scripted "ota" recording what is
// written and committed. The device's $ota events up are the transcript; the scenario stops at
// the final report, before the restart it schedules.
import { Events } from "../../../src/events";
import { eventsDownTopic } from "../../../src/iotda";
import { decodeUtf8 } from "../../../src/mqtt/utf8";
import { Session } from "../../../src/session";
import { startOta } from "../../../src/upgrade";
import { otaLog, otaScript } from "../modules/ota";
import { boardSession, Broker, type Endpoint, loop, useBroker } from "../scripted";

export interface Notice {
	eventType: string;
	version: string;
	size: number;			// the package's bytes: byte i is (i * 13 + 0xE9) & 255, so the first is 0xE9
	sign: string;
	dropAt?: number;		// the first GET's link drops after this many body bytes
	ota?: typeof otaScript;	// how the scripted ota misbehaves for this notice
	refuseRecord?: boolean;	// Preference.set throws (NVS full) for this notice
}

export interface Input {
	deviceId: string;
	secret: string;
	startMs: number;
	notices: Notice[];
}

export interface Output {
	events: { event_type: string; paras: Record<string, unknown> }[][];	// per notice, the $ota events up
	ranges: string[][];		// per notice, the Range header of each GET ("" for none)
	ota: string[][];		// per notice, what the scripted ota recorded
	errors: string[];
}

const FILES = 8943;

// Serves the package of the current notice; one GET per connection, as the local IoTDA does.
class FileServer {
	notice: Notice | undefined;
	ranges: string[] = [];
	#request = new Map<Endpoint, string>();

	open(endpoint: Endpoint): void {
		this.#request.set(endpoint, "");
		loop.post(() => endpoint.opened("keys"));
	}

	closed(endpoint: Endpoint): void {
		this.#request.delete(endpoint);
	}

	write(endpoint: Endpoint, bytes: Uint8Array): void {
		let request = this.#request.get(endpoint)!;
		for (let i = 0; i < bytes.length; i++)
			request += String.fromCharCode(bytes[i]);
		this.#request.set(endpoint, request);
		if (!request.endsWith("\r\n\r\n"))
			return;
		const notice = this.notice!;
		const range = /\r\nRange: bytes=(\d+)-\r\n/.exec(request);
		const from = range ? Number(range[1]) : 0;
		this.ranges.push(range ? `bytes=${from}-` : "");
		const head = (range ? `HTTP/1.1 206 Partial Content\r\nContent-Range: bytes ${from}-${notice.size - 1}/${notice.size}\r\n` : "HTTP/1.1 200 OK\r\n") +
			`Content-Length: ${notice.size - from}\r\n\r\n`;
		const drop = (this.ranges.length === 1) && (notice.dropAt !== undefined);
		const end = drop ? notice.dropAt! : notice.size;
		const response = new Uint8Array(head.length + end - from);
		for (let i = 0; i < head.length; i++)
			response[i] = head.charCodeAt(i);
		for (let i = from; i < end; i++)
			response[head.length + i - from] = (i * 13 + 0xE9) & 255;
		for (let at = 0; at < response.length; at += 1400) {
			const piece = response.slice(at, at + 1400);
			loop.post(() => this.#request.has(endpoint) && endpoint.receive(piece));
		}
		if (drop)
			loop.post(() => this.#request.has(endpoint) && endpoint.drop());
	}
}

// The sockets' one peer: the MQTT broker, or the file server for its port.
class Network {
	#peers = new Map<Endpoint, Broker | FileServer>();

	constructor(readonly broker: Broker, readonly files: FileServer) {}

	open(endpoint: Endpoint, host: string, port: number, serverName?: string): void {
		const peer = FILES === port ? this.files : this.broker;
		this.#peers.set(endpoint, peer);
		peer.open(endpoint, host, port, serverName);
	}

	closed(endpoint: Endpoint): void {
		this.#peers.get(endpoint)?.closed(endpoint);
		this.#peers.delete(endpoint);
	}

	write(endpoint: Endpoint, bytes: Uint8Array): void {
		this.#peers.get(endpoint)?.write(endpoint, bytes);
	}
}

const nibble = (code: number) => code - (code < 0x61 ? 0x30 : 0x57);

// The $ota events in the device's PUBLISH packets to events/up among `records` (hex digits decoded
// in place: the scenario runs with a collection before every allocation on XS).
function otaEvents(records: Broker["records"]) {
	const events: { event_type: string; paras: Record<string, unknown> }[] = [];
	for (const record of records) {
		if (record.event !== "packet" || !record.hex.startsWith("3"))
			continue;
		const hex = record.hex;
		const bytes = new Uint8Array(hex.length >> 1);
		for (let i = 0; i < bytes.length; i++)
			bytes[i] = (nibble(hex.charCodeAt(2 * i)) << 4) | nibble(hex.charCodeAt(2 * i + 1));
		let at = 1;
		while (bytes[at++] & 0x80);
		const topicLength = (bytes[at] << 8) | bytes[at + 1];
		const topic = decodeUtf8(bytes.subarray(at + 2, at + 2 + topicLength), "topic", false);
		if (!topic.endsWith("/sys/events/up"))
			continue;
		const qos = (bytes[0] >> 1) & 3;
		const body = JSON.parse(decodeUtf8(bytes.subarray(at + 2 + topicLength + (qos ? 2 : 0)), "payload", true));
		for (const service of body.services)
			if ("$ota" === service.service_id)
				events.push({ event_type: service.event_type, paras: service.paras });
	}
	return events;
}

export function run(input: Input): Output {
	const broker = new Broker([]);
	const files = new FileServer();
	useBroker(new Network(broker, files) as unknown as Broker);
	const errors: string[] = [];
	const stored = new Map<string, unknown>();
	let refuseRecord = false;
	const preferences = {
		get: (domain: string, key: string) => stored.get(`${domain}/${key}`),
		set: (domain: string, key: string, value: string) => {
			if (refuseRecord)
				throw new Error("NVS: no free pages");
			stored.set(`${domain}/${key}`, value);
		},
	};
	const session = new Session({ ...boardSession(input), log: () => {}, onError: error => errors.push(error.message) });
	const events = new Events(session);
	startOta(events, preferences, [Uint8Array.of(0x30, 0)]);
	session.start();
	loop.advance(60_000, () => session.state === "online");
	const output: Output = { events: [otaEvents(broker.records)], ranges: [], ota: [], errors };
	for (const notice of input.notices) {
		files.notice = notice;
		files.ranges = [];
		otaLog.length = 0;
		otaScript.refuse = notice.ota?.refuse;
		otaScript.loseHashAt = notice.ota?.loseHashAt;
		refuseRecord = notice.refuseRecord === true;
		const from = broker.records.length;
		const url = `https://127.0.0.1:${FILES}/iodm/dev/v2.0/upgradefile/applications/a/devices/${input.deviceId}/packages/p`;
		broker.deliver(eventsDownTopic(input.deviceId), JSON.stringify({
			object_device_id: input.deviceId,
			services: [{ service_id: "$ota", event_type: notice.eventType, paras: { version: notice.version, url, file_size: notice.size, access_token: "token-1", expires: 600, sign: notice.sign } }],
		}));
		// Looks only at the records added since it last looked.
		let seen = from;
		const final = () => {
			const added = otaEvents(broker.records.slice(seen));
			seen = broker.records.length;
			return added.some(e => e.event_type === "upgrade_progress_report" && (e.paras.result_code !== 0 || e.paras.progress === 100));
		};
		loop.advance(120_000, final);
		output.events.push(otaEvents(broker.records.slice(from)));
		output.ranges.push(files.ranges);
		output.ota.push(otaLog.slice());
	}
	session.stop();
	return output;
}
