// IoTDA's over-the-air upgrade, device side (service_id "$ota" on the events envelope):
// - version_query: version_report {fw_version, sw_version}; also sent once after every boot.
// - firmware_upgrade / software_upgrade (and the _v2 forms, a pre-signed URL and no token): refused
//   before any download with 3 (that version runs already), 5 (larger than the OTA slot) or 1 (an
//   upgrade is running); else the package is fetched over HTTPS (the MQTT socket's trust set, the URL's host as the
//   name; an IPv4 host must be a SAN IP), every byte hashed with the core's SHA-256 and written
//   through Moddable's OTA module as it arrives. A dropped link resumes with Range, RETRIES times at
//   most, then 6. Only the notice's size and sign commit the image (else cancelled, 7); after
//   complete() the final report (100, result 0, the new version) and a restart.
// Firmware and software packages both replace the one image (app and XS runtime are built together).
// The MQTT session stays up during a download (see README: OTA on the device).
//
// Which version runs: config.iotda.fwVersion (swVersion) of the image, unless an upgrade from
// this very image version recorded the notice's version in the Preference domain "iotda": the
// host board relaunches the same code, and an image built without bumping its config still
// reports what IoTDA installed. A later image with another config version ignores the record.
import config from "mc/config";
import OTA from "ota";
import Time from "time";
import Timer from "timer";
import type { EventHandler, Events } from "./events";
import { type HttpEvents, type HttpHead, HttpGet, type HttpsUrl, parseHttpsUrl } from "./https-get";
import type { TrustSet } from "./tls/secure";

const SERVICE = "$ota";
const DOMAIN = "iotda";
const RETRIES = 4;				// resumed downloads after a drop, then result 6
const RETRY_BASE_MS = 1000;		// doubles per retry
const PROGRESS_STEP = 10;		// percent between progress reports
const PROGRESS_MS = 1000;		// and at least this long
const RESTART_WAIT_MS = 10_000;	// the longest the final report's PUBACK is waited for

const NOTICES = Object.freeze(["firmware_upgrade", "firmware_upgrade_v2", "software_upgrade", "software_upgrade_v2"]);

const hashStart: () => void = native("xs_iotda_sha256_start");
const hashUpdate: (bytes: Uint8Array) => void = native("xs_iotda_sha256_update");
const hashDigest: () => string = native("xs_iotda_sha256_digest");
const restart: () => void = native("xs_iotda_restart");

export interface OtaPreferences {
	get(domain: string, key: string): unknown;
	set(domain: string, key: string, value: string): void;
}

type Kind = "fw" | "sw";

interface Job {
	kind: Kind;
	version: string;
	url: HttpsUrl;
	token: string | undefined;
	size: number;
	sign: string;
	ota: OTA;
	http: HttpGet | undefined;
	received: number;
	retries: number;
	progress: number;		// last reported
	reportedAt: number;		// Time.ticks of the last report
}

// Closures made at run time by a preloaded module have their code copied into the heap (see
// app.ts): two are made at start, and the downloads call this object's methods (HttpEvents).
class Upgrades implements HttpEvents {
	#events: Events;
	#preferences: OtaPreferences;
	#trust: TrustSet | undefined;
	#job: Job | undefined;

	constructor(events: Events, preferences: OtaPreferences, trust: TrustSet | undefined) {
		this.#events = events;
		this.#preferences = preferences;
		this.#trust = trust;
		events.on(SERVICE, "version_query", () => this.#reportVersions());
		const notice: EventHandler = (paras, event) => this.#notice(paras, event.event_type);
		for (const type of NOTICES)
			events.on(SERVICE, type, notice);
		this.#reportVersions();		// queued (QoS 1) until the session is online
	}

	#built(kind: Kind): string {
		return String(config.iotda?.["fw" === kind ? "fwVersion" : "swVersion"] ?? "");
	}

	#running(kind: Kind): string {
		const built = this.#built(kind);
		const [key, over] = recordKeys(kind);
		const installed = this.#preferences.get(DOMAIN, key);
		return (("string" === typeof installed) && (this.#preferences.get(DOMAIN, over) === built)) ? installed : built;
	}

	#reportVersions(): void {
		this.#send("version_report", { fw_version: this.#running("fw"), sw_version: this.#running("sw") });
	}

	// A notice without a usable version cannot be answered (every report carries one): it throws,
	// and the events envelope reports it. Any other problem is answered with its result code.
	// The rest from a timer: here, inside the MQTT socket's receive path, the report's encoding and
	// the download's TLS set-up (the trust set decoded) would stack on top of it, the app's stack peak.
	#notice(paras: Record<string, unknown>, type: string): void {
		const version = paras.version;
		if (("string" !== typeof version) || !version)
			throw new Error("paras.version: must be a non-empty string");
		Timer.set(() => this.#start(paras, type, version), 0);
	}

	#start(paras: Record<string, unknown>, type: string, version: string): void {
		const kind: Kind = type.startsWith("firmware") ? "fw" : "sw";
		const v2 = type.endsWith("_v2");
		const running = this.#running(kind);
		if (this.#job)
			return this.#report(1, 0, running, `an upgrade to ${this.#job.version} is running`);
		if (version === running)
			return this.#report(3, 0, running, "this version is running");
		let url: HttpsUrl;
		try {
			url = parseHttpsUrl(String(paras.url));
		}
		catch (e) {
			return this.#report(255, 0, running, `paras.${(e as Error).message}`);
		}
		const size = paras.file_size, sign = paras.sign, token = paras.access_token;
		if (!Number.isSafeInteger(size) || ((size as number) < 1))
			return this.#report(255, 0, running, "paras.file_size: must be a whole number of bytes, at least 1");
		if (("string" !== typeof sign) || !/^[0-9a-fA-F]{64}$/.test(sign))
			return this.#report(255, 0, running, "paras.sign: must be the SHA-256 of the package, 64 hex digits");
		if (!v2 && (("string" !== typeof token) || !/^[\x21-\x7e]{1,1024}$/.test(token)))
			return this.#report(255, 0, running, "paras.access_token: must be 1-1024 printable ASCII characters");
		const slot = Number(config.ota?.slotBytes);
		if (!(slot > 0))
			return this.#report(255, 0, running, "config.ota.slotBytes: not set for this board (its OTA slot size)");
		if ((size as number) > slot)
			return this.#report(5, 0, running, `file_size ${size} bytes is larger than the OTA slot (${slot} bytes)`);
		if (!this.#trust)
			return this.#report(255, 0, running, "no trusted certificates to check the download server with (tls is off)");
		let ota: OTA;
		try {
			ota = new OTA({ byteLength: size as number });
		}
		catch (e) {
			return this.#report(10, 0, running, `OTA: ${(e as Error).message}`);
		}
		hashStart();
		this.#job = {
			kind, version, url, token: v2 ? undefined : token as string, size: size as number, sign: sign.toLowerCase(),
			ota, http: undefined, received: 0, retries: 0, progress: 0, reportedAt: Time.ticks,
		};
		this.#report(0, 0, running);
		this.#get();
	}

	#get(): void {
		const job = this.#job!;
		const headers = (job.token ? `Authorization: Bearer ${job.token}\r\n` : "") + (job.received ? `Range: bytes=${job.received}-\r\n` : "");
		try {
			job.http = new HttpGet(job.url, headers, this.#trust!, this);
		}
		catch (e) {
			this.#dropped(job, (e as Error).message);
		}
	}

	// From the current job's download only: a job's HttpGet is closed when the job ends.
	onHead(head: HttpHead): void {
		const job = this.#job!;
		const expected = job.received ? 206 : 200;
		if (head.status !== expected)
			return this.#fail(job, 6, `download refused: HTTP ${head.status}${(401 === head.status) ? " (access_token wrong or expired)" : ""}`);
		if (head.total !== job.size)
			return this.#fail(job, 7, `the server's file is ${head.total} bytes, the notice's file_size ${job.size}`);
		if (head.rangeStart !== job.received)
			return this.#fail(job, 6, `Content-Range starts at byte ${head.rangeStart}, not ${job.received}`);
	}

	onBody(bytes: Uint8Array): void {
		const job = this.#job!;
		try {
			hashUpdate(bytes);	// throws if a trap reset the core meanwhile: the hash so far is gone
		}
		catch (e) {
			return this.#fail(job, 255, (e as Error).message);
		}
		try {
			job.ota.write(bytes);
		}
		catch (e) {
			return this.#fail(job, 10, `OTA write: ${(e as Error).message}`);
		}
		job.received += bytes.length;
		const progress = Math.min(99, Math.floor(job.received * 100 / job.size));
		if ((progress >= job.progress + PROGRESS_STEP) && ((Time.ticks - job.reportedAt) >= PROGRESS_MS)) {
			job.progress = progress;
			job.reportedAt = Time.ticks;
			this.#report(0, progress, this.#running(job.kind));
		}
	}

	onEnd(problem?: string): void {
		const job = this.#job!;
		job.http = undefined;
		if (problem)
			return this.#dropped(job, problem);
		if (job.received !== job.size)
			return this.#fail(job, 7, `received ${job.received} bytes, file_size ${job.size}`);
		let digest: string;
		try {
			digest = hashDigest();
		}
		catch (e) {
			return this.#fail(job, 255, (e as Error).message);
		}
		if (digest !== job.sign)
			return this.#fail(job, 7, "the package's SHA-256 is not the notice's sign");
		try {
			job.ota.complete();
		}
		catch (e) {
			return this.#fail(job, 10, `OTA complete: ${(e as Error).message}`);
		}
		this.#job = undefined;
		// The image boots next whatever happens here; without the record its own config names it.
		try {
			const [key, over] = recordKeys(job.kind);
			this.#preferences.set(DOMAIN, key, job.version);
			this.#preferences.set(DOMAIN, over, this.#built(job.kind));
		}
		catch (e) {
			trace(`iotda: OTA version not recorded: ${(e as Error).message}\n`);
		}
		trace(`iotda: OTA ${job.version} installed, restarting\n`);
		const restartSoon = Timer.set(restart, RESTART_WAIT_MS);
		this.#report(0, 100, job.version, undefined, () => {
			Timer.clear(restartSoon);
			Timer.set(restart, 0);		// after this callback returns
		});
	}

	#dropped(job: Job, problem: string): void {
		if (job !== this.#job)
			return;
		if (job.retries++ >= RETRIES)
			return this.#fail(job, 6, `download failed ${job.retries} times, last: ${problem}`);
		const delay = RETRY_BASE_MS << (job.retries - 1);
		trace(`iotda: OTA download: ${problem}; resuming at byte ${job.received} in ${delay} ms\n`);
		Timer.set(() => (job === this.#job) && this.#get(), delay);
	}

	#fail(job: Job, code: number, description: string): void {
		if (job !== this.#job)
			return;
		this.#job = undefined;
		job.http?.close();
		job.ota.cancel();	// nothing committed: the boot partition stays
		trace(`iotda: OTA ${job.version} failed (${code}): ${description}\n`);
		this.#report(code, job.progress, this.#running(job.kind), description);
	}

	#report(code: number, progress: number, version: string, description?: string, onAck?: () => void): void {
		this.#send("upgrade_progress_report", { result_code: code, progress, version, description }, onAck);
	}

	#send(eventType: string, paras: Record<string, unknown>, onAck?: () => void): void {
		try {
			this.#events.send(SERVICE, eventType, paras, 1, onAck);
		}
		catch (e) {
			trace(`iotda: OTA ${eventType} not sent: ${(e as Error).message}\n`);
		}
	}
}

// The Preference keys (NVS: at most 15 characters) of the version an upgrade installed and of the
// image version it replaced.
function recordKeys(kind: Kind): [string, string] {
	return "fw" === kind ? ["otaFw", "otaFwOver"] : ["otaSw", "otaSwOver"];
}

// Registers the $ota handlers on `events`; downloads are checked against `trust` (the MQTT socket's:
// Session.trust).
export function startOta(events: Events, preferences: OtaPreferences, trust: TrustSet | undefined): void {
	new Upgrades(events, preferences, trust);
}
