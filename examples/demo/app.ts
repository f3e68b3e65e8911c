// The demo device: its service (settings.serviceId, "status") has a read-only integer property
// `uptime` (seconds since boot) and a writable one, `reportInterval` (seconds, 5 to 3600), the
// period of its property reports. After every connect it reports both, asks for its shadow and
// applies the desired reportInterval; it answers property get and set, the command `echo` (its
// paras back), traces every message down, and takes upgrades over the air (iotda/upgrade).
//
// Preloaded (main.ts, the entry, never is), so this code stays in flash. XS copies the code of a
// closure that a preloaded module makes at run time into the heap, so the state lives in a Demo
// and the callbacks handed out only forward to its methods.
import Time from "time";
import Timer from "timer";
import { type BootstrapPreferences, isBootstrapTrigger, type Provisioning, provision } from "iotda/bootstrap";
import { answerCommands } from "iotda/commands";
import { Device } from "iotda/device";
import { Events } from "iotda/events";
import { type Command, type CommandResponse, eventTime, type ServiceProperties } from "iotda/iotda";
import { type DownMessage, receiveMessages } from "iotda/messages";
import { answerProperties, type PropertyHandlers, type SetResult } from "iotda/properties";
import type { Settings } from "iotda/settings";
import { Shadow, type ShadowService } from "iotda/shadow";
import { syncDeviceClock } from "iotda/timesync";
import { type OtaPreferences, startOta } from "iotda/upgrade";

const INTERVAL_MIN = 5;
const INTERVAL_MAX = 3600;
const INTERVAL_RULE = `reportInterval: must be an integer from ${INTERVAL_MIN} to ${INTERVAL_MAX} (seconds)`;

class Demo implements PropertyHandlers {
	#device: Device;
	#serviceId: string;
	#interval: number;		// seconds
	#timer: Timer;
	#shadow: Shadow;
	#booted = Time.ticks;
	#provisioning: Provisioning;

	constructor(settings: Settings, preferences: OtaPreferences, provisioning: Provisioning) {
		if (!validInterval(settings.reportInterval))
			throw new RangeError(INTERVAL_RULE);
		const device = this.#device = new Device(settings);
		const session = device.session;
		this.#serviceId = settings.serviceId;
		this.#interval = settings.reportInterval;
		this.#provisioning = provisioning;
		answerCommands(session, answerCommand);
		answerProperties(session, this);
		this.#shadow = new Shadow(session, services => this.#applyShadow(services));
		receiveMessages(session, message => this.#message(message));
		const events = new Events(session);
		syncDeviceClock(device, events);
		startOta(events, preferences, session.trust);
		device.onConnected = () => this.#connected();
		// Offline, a fresh report follows the next connect anyway: no point queuing stale ones.
		this.#timer = Timer.repeat(() => this.#tick(), this.#interval * 1000);
		device.start();
	}

	get device(): Device {
		return this.#device;
	}

	// Property set from the platform: all of it applies, or none (the first fault is the answer).
	set(services: ServiceProperties[]): SetResult {
		let interval: number | undefined;
		for (const { service_id, properties } of services) {
			if (service_id !== this.#serviceId)
				return { result_code: 1, result_desc: `service ${JSON.stringify(service_id)}: unknown (this device has ${JSON.stringify(this.#serviceId)})` };
			for (const name in properties) {
				if ("uptime" === name)
					return { result_code: 1, result_desc: "uptime: read-only" };
				if ("reportInterval" !== name)
					return { result_code: 1, result_desc: `${JSON.stringify(name)}: no such property of ${JSON.stringify(service_id)}` };
				if (!validInterval(properties[name]))
					return { result_code: 1, result_desc: INTERVAL_RULE };
				interval = properties[name] as number;
			}
		}
		if (undefined !== interval)
			this.#setInterval(interval);
		return { result_code: 0 };
	}

	// Property get from the platform; an unknown service is not answered (IoTDA's get has no
	// failure answer): the session logs it and the platform reports its timeout.
	get(serviceId: string | undefined): ServiceProperties[] {
		if ((undefined !== serviceId) && (serviceId !== this.#serviceId))
			throw new Error(`properties/get: unknown service ${JSON.stringify(serviceId)}`);
		return [this.#properties()];
	}

	// The platform's request to bootstrap again (IoTDP) is not a message for the app.
	#message(message: DownMessage | Uint8Array): void {
		if (isBootstrapTrigger(message))
			this.#provisioning.bootstrapAgain("the platform asked (BootstrapRequestTrigger)");
		else
			traceMessage(message);
	}

	#connected(): void {
		this.#report();
		this.#shadow.request(this.#serviceId);
	}

	// The shadow's desired reportInterval, if it has one; one out of range is logged and ignored.
	#applyShadow(services: ShadowService[]): void {
		const desired = services.find(service => service.service_id === this.#serviceId)?.desired?.properties?.reportInterval;
		if (undefined === desired)
			return;
		if (!validInterval(desired))
			throw new RangeError(`shadow: desired ${INTERVAL_RULE}`);
		if (desired !== this.#interval)
			this.#setInterval(desired);
	}

	#setInterval(seconds: number): void {
		this.#interval = seconds;
		Timer.schedule(this.#timer, seconds * 1000, seconds * 1000);
		trace(`iotda: reportInterval ${seconds} s\n`);
		this.#report();		// the platform's reported values follow at once
	}

	#tick(): void {
		if ("online" === this.#device.session.state)
			this.#report();
	}

	#properties(): ServiceProperties {
		const properties = { uptime: Math.round(Time.delta(this.#booted) / 1000), reportInterval: this.#interval };
		// A time only from a clock that was set: the build time's would mislead the platform.
		return this.#device.clockTrusted
			? { service_id: this.#serviceId, properties, event_time: eventTime(Date.now()) }
			: { service_id: this.#serviceId, properties };
	}

	#report(): void {
		try {
			this.#device.session.reportServices([this.#properties()], acknowledged);
		}
		catch (e) {
			trace(`iotda: report skipped: ${(e as Error).message}\n`);
		}
	}
}

function validInterval(value: unknown): value is number {
	return Number.isInteger(value) && ((value as number) >= INTERVAL_MIN) && ((value as number) <= INTERVAL_MAX);
}

function answerCommand(command: Command): CommandResponse {
	trace(`iotda: command ${command.commandName ?? "(unnamed)"} request ${command.requestId}\n`);
	if ("echo" !== command.commandName)
		return { result_code: 1, response_name: command.commandName, paras: { error: `unknown command ${JSON.stringify(command.commandName)}` } };
	return { result_code: 0, response_name: command.commandName, paras: command.paras };
}

// The system format's content (JSON, so control characters come out escaped), or the byte length.
function traceMessage(message: DownMessage | Uint8Array): void {
	if (message instanceof Uint8Array)
		trace(`iotda: message down, ${message.byteLength} bytes\n`);
	else
		trace(`iotda: message down${(undefined === message.name) ? "" : ` ${JSON.stringify(message.name)}`}: ${JSON.stringify(message.content)}\n`);
}

function acknowledged(): void {
	trace("iotda: property report acknowledged\n");
}

function startApp(settings: Settings, provisioning: Provisioning): Device {
	return new Demo(settings, provisioning.preferences as BootstrapPreferences & OtaPreferences, provisioning).device;
}

// Settings from `preferences` (Moddable's Preference module, passed in by main.ts) over config.iotda;
// the IoTDA address the provisioning service assigned, with bootstrapHost set (iotda/bootstrap).
export function startDemo(preferences: BootstrapPreferences & OtaPreferences): void {
	try {
		provision(preferences, startApp);
	}
	catch (e) {
		// Configuration errors name the key and never its value.
		trace(`iotda: cannot start: ${(e as Error).message}\n`);
	}
}
