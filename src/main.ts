// The device app: settings -> clock -> session; reports a demo property on every connect and
// every reportInterval seconds, and answers commands by echoing their paras.
import Resource from "Resource";
import Time from "time";
import Timer from "timer";
import { syncClock } from "./clock";
import { Session } from "./session";
import { loadSettings, type Settings } from "./settings";

const SNTP_RETRY_MS = 10 * 60_000;

function run(settings: Settings): void {
	if (settings.tls && !Resource.exists(settings.ca))
		throw new Error(`ca: resource ${settings.ca} not found (add the CA certificate in DER form to the manifest's resources)`);
	const booted = Time.ticks;
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
		onConnected: report,
		onCommand: command => {
			trace(`iotda: command ${command.commandName ?? "(unnamed)"} request ${command.requestId}\n`);
			return { result_code: 0, response_name: command.commandName, paras: command.paras };
		},
		onError: error => trace(`iotda: ${error.message}\n`),
	});

	function report(): void {
		try {
			session.reportProperties(settings.serviceId, { uptime: Math.round(Time.delta(booted) / 1000) });
		}
		catch (e) {
			trace(`iotda: report skipped: ${(e as Error).message}\n`);
		}
	}
	// Offline, a fresh report follows the next connect anyway: no point queuing stale ones.
	Timer.repeat(() => ("online" === session.state) && report(), settings.reportInterval * 1000);

	// Start once the clock is settled either way; without SNTP the session signs with sign type 0
	// and, on the device, Moddable's TLS refuses certificates until the clock is set.
	let started = false;
	function sync(): void {
		syncClock(settings.sntp, ok => {
			if (!ok) {
				trace(`iotda: SNTP failed, retrying in ${SNTP_RETRY_MS / 60_000} min\n`);
				Timer.set(sync, SNTP_RETRY_MS);
			}
			if (!started) {
				started = true;
				session.start();
			}
		});
	}
	sync();
}

try {
	run(loadSettings());
}
catch (e) {
	// Configuration errors name the key and never its value.
	trace(`iotda: cannot start: ${(e as Error).message}\n`);
}
