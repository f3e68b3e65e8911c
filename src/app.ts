// The device app: settings -> clock -> session; reports a demo property on every connect and
// every reportInterval seconds, and answers commands by echoing their paras.
//
// The clock: a board without a battery-backed clock boots in 1970, and Moddable's TLS refuses every
// certificate until the clock is past the CA's start date. So a clock that is not set starts from
// the firmware's build time (certificates then validate as of the build); the session signs with
// sign type 0 until SNTP, or IoTDA's time sync once online, sets the real time.
//
// Preloaded (main.ts, the entry, never is), so this code stays in flash. XS copies the code of a
// closure that a preloaded module makes at run time into the heap, so the state lives in an App
// and the callbacks handed out only forward to its methods.
import Resource from "Resource";
import Time from "time";
import Timer from "timer";
import { clockValid, syncClock } from "./clock";
import { answerCommands } from "./commands";
import { Events } from "./events";
import type { Command, CommandResponse } from "./iotda";
import { Session } from "./session";
import { loadSettings, type Preferences, type Settings } from "./settings";
import { timeSync } from "./timesync";
import { type OtaPreferences, startOta } from "./upgrade";

const SNTP_RETRY_MS = 10 * 60_000;
// How long the first connect waits for SNTP before it signs with sign type 0 anyway.
const SNTP_WAIT_MS = 5000;

class App {
	#session: Session;
	#serviceId: string;
	#sntp: readonly string[];
	#booted = Time.ticks;
	#trusted = clockValid(Date.now());	// the clock is right to the hour (SNTP or IoTDA set it)
	#askTime: () => boolean;
	#start: Timer | undefined;			// the first connect, while it waits for SNTP

	constructor(settings: Settings, preferences: OtaPreferences) {
		if (settings.tls && !Resource.exists(settings.ca))
			throw new Error(`ca: resource ${settings.ca} not found (add the CA certificate in DER form to the manifest's resources)`);
		if (!this.#trusted) {
			Time.set(Math.floor(settings.buildTime / 1000));
			trace(`iotda: clock not set, starting it at the firmware's build time ${new Date(settings.buildTime).toISOString()}\n`);
		}
		this.#serviceId = settings.serviceId;
		this.#sntp = settings.sntp;
		const ca = settings.tls ? new Resource(settings.ca) : undefined;
		const session = this.#session = new Session({
			host: settings.host,
			port: settings.port,
			tls: settings.tls,
			ca,
			serverName: settings.serverName,
			deviceId: settings.deviceId,
			secret: settings.secret,
			authType: settings.authType,
			keepalive: settings.keepalive,
			retryBaseMs: settings.retryBaseMs,
			retryCapMs: settings.retryCapMs,
			authRetryMs: settings.authRetryMs,
			writeQueueBytes: settings.writeQueueBytes,
			clockTrusted: () => this.#trusted,
			onConnected: () => this.#connected(),
			onError: traceError,
		});
		answerCommands(session, echo);
		const events = new Events(session);
		this.#askTime = timeSync(events, ms => this.#clockSet(ms));
		startOta(events, preferences, ca);
		// Offline, a fresh report follows the next connect anyway: no point queuing stale ones.
		Timer.repeat(() => this.#tick(), settings.reportInterval * 1000);

		if (this.#trusted)
			session.start();
		else {
			// The first connect waits a little for SNTP; SNTP keeps being asked until it answers.
			this.#start = Timer.set(() => session.start(), SNTP_WAIT_MS);
			this.#sync();
		}
	}

	#connected(): void {
		this.#report();
		if (!this.#trusted)
			this.#askTime();
	}

	#clockSet(ms: number): void {
		Time.set(Math.round(ms / 1000));
		this.#trusted = true;
		trace(`iotda: clock set by IoTDA time sync to ${new Date(ms).toISOString()}\n`);
	}

	#tick(): void {
		if ("online" === this.#session.state)
			this.#report();
	}

	#report(): void {
		try {
			this.#session.reportProperties(this.#serviceId, { uptime: Math.round(Time.delta(this.#booted) / 1000) }, acknowledged);
		}
		catch (e) {
			trace(`iotda: report skipped: ${(e as Error).message}\n`);
		}
	}

	#sync(): void {
		syncClock(this.#sntp, ok => this.#synced(ok));
	}

	#synced(ok: boolean): void {
		if (ok)
			this.#trusted = true;
		else {
			trace(`iotda: SNTP failed, retrying in ${SNTP_RETRY_MS / 60_000} min\n`);
			Timer.set(() => this.#sync(), SNTP_RETRY_MS);
		}
		Timer.clear(this.#start!);
		this.#session.start();
	}
}

function echo(command: Command): CommandResponse {
	trace(`iotda: command ${command.commandName ?? "(unnamed)"} request ${command.requestId}\n`);
	return { result_code: 0, response_name: command.commandName, paras: command.paras };
}

function acknowledged(): void {
	trace("iotda: property report acknowledged\n");
}

function traceError(error: Error): void {
	trace(`iotda: ${error.message}\n`);
}

// Settings from `preferences` (Moddable's Preference module, passed in by main.ts) over config.iotda.
export function startApp(preferences: Preferences & OtaPreferences): void {
	try {
		new App(loadSettings(preferences), preferences);
	}
	catch (e) {
		// Configuration errors name the key and never its value.
		trace(`iotda: cannot start: ${(e as Error).message}\n`);
	}
}
