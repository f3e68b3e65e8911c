// A device on IoTDA from its settings: the session and the clock.
//
// The clock: a board without a battery-backed clock boots in 1970, and Moddable's TLS refuses every
// certificate until the clock is past the CA's start date. So a clock that is not set starts from
// the firmware's build time (certificates then validate as of the build); the session signs with
// sign type 0 until SNTP, or IoTDA's time sync once online (timesync.ts), sets the real time.
//
// Preloaded, so this code stays in flash. XS copies the code of a closure that a preloaded module
// makes at run time into the heap, so the state lives in the Device and the callbacks handed out
// only forward to its methods.
import Time from "time";
import Timer from "timer";
import { clockValid, syncClock } from "./clock";
import { Session, type SessionOptions } from "./session";
import type { Settings } from "./settings";

const SNTP_RETRY_MS = 10 * 60_000;
// How long the first connect waits for SNTP before it signs with sign type 0 anyway.
const SNTP_WAIT_MS = 5000;

export class Device {
	// The device's session knows its device: it overrides the session's two hooks, instead of
	// passing two callbacks in its options, each a slot of the session on XS through the handshake.
	static #Session = class DeviceSession extends Session {
		// TypeScript-private, as the Device's fields: a class with #private fields costs XS a slot
		// more per instance, live through the TLS handshake.
		private readonly device: Device;
		constructor(device: Device, options: SessionOptions) {
			super(options);
			this.device = device;
		}
		protected override clockTrusted(): boolean {
			return this.device.trusted;
		}
		protected override connected(): void {
			this.device.connected();
		}
	};

	readonly session: Session;
	private trusted: boolean;					// the clock is right to the hour (SNTP or IoTDA set it)
	// Declared, not defined: each is a slot of the device from when it is first set, and a device
	// whose clock is right at boot never sets the last three, nor needs them through its TLS handshake.
	// After every CONNACK 0 and the SUBACK of the features' topics, with `this` the device: where an
	// app sends its reports and its shadow request.
	declare onConnected?: (this: Device) => void;
	declare private readonly sntp?: readonly string[];		// kept while the clock is not trusted
	declare private ask?: () => boolean;					// how to ask IoTDA for the time
	declare private starting?: Timer;						// the first connect, while it waits for SNTP

	// Throws for settings that Session refuses. Without onError, the session logs what it reports.
	constructor(settings: Settings, onError?: (error: Error) => void) {
		// A clock that an earlier Device of this boot started at the build time looks valid, yet is not.
		this.trusted = settings.clockTrusted ?? clockValid(Date.now());
		if (!clockValid(Date.now())) {
			Time.set(Math.floor(settings.buildTime / 1000));
			trace(`iotda: clock not set, starting it at the firmware's build time ${new Date(settings.buildTime).toISOString()}\n`);
		}
		if (!this.trusted)
			this.sntp = settings.sntp;
		this.session = new Device.#Session(this, {
			host: settings.host,
			port: settings.port,
			tls: settings.tls,
			ca: settings.trust,
			serverName: settings.serverName,
			deviceId: settings.deviceId,
			secret: settings.secret,
			sign: settings.sign,
			client: settings.client,
			authType: settings.authType,
			keepalive: settings.keepalive,
			retryBaseMs: settings.retryBaseMs,
			retryCapMs: settings.retryCapMs,
			authRetryMs: settings.authRetryMs,
			writeQueueBytes: settings.writeQueueBytes,
			onError,
		});
	}

	get clockTrusted(): boolean {
		return this.trusted;
	}

	// How to ask IoTDA for the time (timesync.ts): asked after a connect while the clock is not trusted.
	set askTime(ask: () => boolean) {
		this.ask = ask;
	}

	// The platform's time in ms (IoTDA's time sync): the next connect signs with sign type 1.
	setClock(ms: number): void {
		Time.set(Math.round(ms / 1000));
		this.trusted = true;
		trace(`iotda: clock set by IoTDA time sync to ${new Date(ms).toISOString()}\n`);
	}

	// Connects now if the clock is trusted; else asks SNTP first, waiting for it a few seconds at most.
	start(): void {
		if (this.trusted)
			this.session.start();
		else {
			// SNTP keeps being asked until it answers.
			this.starting = Timer.set(() => this.begin(), SNTP_WAIT_MS);
			this.sync();
		}
	}

	// Methods are TypeScript-private, not #private: XS gives every instance a slot per #method.
	private connected(): void {
		if (!this.trusted)
			this.ask?.();
		this.onConnected?.();
	}

	private sync(): void {
		syncClock(this.sntp!, ok => this.synced(ok));
	}

	private synced(ok: boolean): void {
		if (ok)
			this.trusted = true;
		else {
			trace(`iotda: SNTP failed, retrying in ${SNTP_RETRY_MS / 60_000} min\n`);
			Timer.set(() => this.sync(), SNTP_RETRY_MS);
		}
		if (undefined !== this.starting) {
			Timer.clear(this.starting);
			this.begin();
		}
	}

	private begin(): void {
		this.starting = undefined;
		this.session.start();
	}
}
