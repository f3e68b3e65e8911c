// The device app: settings -> clock -> session; reports a demo property on every connect and
// every reportInterval seconds, and answers commands by echoing their paras.
//
// The clock: a board without a battery-backed clock boots in 1970, and Moddable's TLS refuses every
// certificate until the clock is past the CA's start date. So a clock that is not set starts from
// the firmware's build time (certificates then validate as of the build); the session signs with
// sign type 0 until SNTP, or IoTDA's time sync once online, sets the real time.
import Preference from "preference";
import Resource from "Resource";
import Time from "time";
import Timer from "timer";
import { clockValid, syncClock } from "./clock";
import { answerCommands } from "./commands";
import { Events } from "./events";
import { Session } from "./session";
import { loadSettings, type Settings } from "./settings";
import { timeSync } from "./timesync";

const SNTP_RETRY_MS = 10 * 60_000;
// How long the first connect waits for SNTP before it signs with sign type 0 anyway.
const SNTP_WAIT_MS = 5000;

function run(settings: Settings): void {
	if (settings.tls && !Resource.exists(settings.ca))
		throw new Error(`ca: resource ${settings.ca} not found (add the CA certificate in DER form to the manifest's resources)`);
	const booted = Time.ticks;
	let trusted = clockValid(Date.now());
	if (!trusted) {
		Time.set(Math.floor(settings.buildTime / 1000));
		trace(`iotda: clock not set, starting it at the firmware's build time ${new Date(settings.buildTime).toISOString()}\n`);
	}
	const session = new Session({
		host: settings.host,
		port: settings.port,
		tls: settings.tls,
		ca: settings.tls ? new Resource(settings.ca) : undefined,
		serverName: settings.serverName,
		deviceId: settings.deviceId,
		secret: settings.secret,
		authType: settings.authType,
		keepalive: settings.keepalive,
		retryBaseMs: settings.retryBaseMs,
		retryCapMs: settings.retryCapMs,
		authRetryMs: settings.authRetryMs,
		writeQueueBytes: settings.writeQueueBytes,
		clockTrusted: () => trusted,
		onConnected: () => {
			report();
			if (!trusted)
				askTime();
		},
		onError: error => trace(`iotda: ${error.message}\n`),
	});
	answerCommands(session, command => {
		trace(`iotda: command ${command.commandName ?? "(unnamed)"} request ${command.requestId}\n`);
		return { result_code: 0, response_name: command.commandName, paras: command.paras };
	});
	const askTime = timeSync(new Events(session), ms => {
		Time.set(Math.round(ms / 1000));
		trusted = true;
		trace(`iotda: clock set by IoTDA time sync to ${new Date(ms).toISOString()}\n`);
	});

	const acknowledged = () => trace("iotda: property report acknowledged\n");
	function report(): void {
		try {
			session.reportProperties(settings.serviceId, { uptime: Math.round(Time.delta(booted) / 1000) }, acknowledged);
		}
		catch (e) {
			trace(`iotda: report skipped: ${(e as Error).message}\n`);
		}
	}
	// Offline, a fresh report follows the next connect anyway: no point queuing stale ones.
	Timer.repeat(() => ("online" === session.state) && report(), settings.reportInterval * 1000);

	if (trusted)
		return session.start();
	// The first connect waits a little for SNTP; SNTP keeps being asked until it answers.
	const start = Timer.set(() => session.start(), SNTP_WAIT_MS);
	function sync(): void {
		syncClock(settings.sntp, ok => {
			if (ok)
				trusted = true;
			else {
				trace(`iotda: SNTP failed, retrying in ${SNTP_RETRY_MS / 60_000} min\n`);
				Timer.set(sync, SNTP_RETRY_MS);
			}
			Timer.clear(start);
			session.start();
		});
	}
	sync();
}

try {
	run(loadSettings(Preference));
}
catch (e) {
	// Configuration errors name the key and never its value.
	trace(`iotda: cannot start: ${(e as Error).message}\n`);
}
