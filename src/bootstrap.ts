// IoTDP bootstrap (device provisioning): a device built once learns its IoTDA instance from the
// provisioning service. With `bootstrapHost` set and no address stored yet, the device logs in to
// the provisioning endpoint (MQTTS, the same credentials and trust set as for IoTDA), subscribes
// .../sys/bootstrap/down, asks on .../sys/bootstrap/up once that is subscribed, stores the answer's
// address as `host` and `port` in the Preference domain "iotda" (where settings.ts reads them, so
// the next boot connects there at once), closes that session and starts the app at the address.
//
// The provisioning is asked again after REFUSALS_BEFORE_BOOTSTRAP CONNACK 5 in a row at the stored
// address (the device was moved or deleted there), or when the platform sends the message down
// "BootstrapRequestTrigger" (an app that receives messages hands them to isBootstrapTrigger): the
// stored address is deleted and the board restarts, which bootstraps with nothing of the old app
// left in memory.
//
// A device of a registration group (`scopeId` and `groupSecret` instead of `secret`) logs in to
// the provisioning with clientId {deviceId}_0_{scopeId}_{signType}_{YYYYMMDDHH} and the secret the
// core derives from the group's (assembly/group.ts); that derived secret is its IoTDA secret too.
//
// Preloaded: the state lives in a Provisioning and the callbacks handed out only forward to its
// methods (see device.ts). Preference is passed in by the app's main module, as for loadSettings.
import Timer from "timer";
import { backoffDelay } from "./backoff";
import { Device } from "./device";
import { decodeUtf8 } from "./mqtt/utf8";
import { DOMAIN, loadSettings, type Preferences, read, type Settings } from "./settings";
import { type Credentials, sign } from "./signer";

export interface BootstrapPreferences extends Preferences {
	set(domain: string, key: string, value: string | number): void;
	delete(domain: string, key: string): void;
}

// Starts the app at its IoTDA settings (the stored address): the Device whose session is watched.
export type StartApp = (settings: Settings, provisioning: Provisioning) => Device;

// Two in a row, each after the session's hold (authRetryMs, 15 min by default): one refusal may be
// a move in progress, a second one 15 minutes later is not.
export const REFUSALS_BEFORE_BOOTSTRAP = 2;
// The platform's message down that asks the device to bootstrap again (IoTDA's system field, as
// the Java and Android SDKs handle it).
export const BOOTSTRAP_TRIGGER = "BootstrapRequestTrigger";
// No answer within this long after the request's PUBACK window: asked again with the backoff.
const ANSWER_WAIT_MS = 60_000;
const SCOPE_ID_MAX = 64;
const HOST_MAX = 253;
const IOTDP_PORT = 8883;
// What the provisioning session reads in place of the IoTDA address.
const PROVISIONING_KEYS: Readonly<Record<string, string>> = Object.freeze({ host: "bootstrapHost", port: "bootstrapPort", serverName: "bootstrapName" });

const deriveGroupSecret: (deviceId: string, groupSecret: string) => string = native("xs_iotda_group_secret");
const restartBoard: () => void = native("xs_iotda_restart");

const bootstrapRoot = (deviceId: string) => `$oc/devices/${deviceId}/sys/bootstrap/`;

// What loadSettings reads: the device's preferences, with the provisioning endpoint in place of
// the address while bootstrapping, and a registration group device's derived secret.
class SettingsView implements Preferences {
	#preferences: Preferences;
	#provisioning: boolean;
	#secret: string | undefined;
	constructor(preferences: Preferences, provisioning: boolean, secret: string | undefined) {
		this.#preferences = preferences;
		this.#provisioning = provisioning;
		this.#secret = secret;
	}
	get(domain: string, key: string) {
		if ((DOMAIN === domain) && ("secret" === key) && (undefined !== this.#secret))
			return this.#secret;
		const instead = this.#provisioning && (DOMAIN === domain) ? PROVISIONING_KEYS[key] : undefined;
		if (undefined === instead)
			return this.#preferences.get(domain, key);
		const value = read(this.#preferences, instead) as string | number | undefined;
		// Not the IoTDA address's fallbacks: the endpoint's own name, and IoTDP's port.
		return value ?? (("serverName" === key) ? read(this.#preferences, "bootstrapHost") : ("port" === key) ? IOTDP_PORT : undefined) as string | number | undefined;
	}
}

export class Provisioning {
	// The answer's initConfig (a string of the user's JSON), when this boot bootstrapped.
	initConfig: unknown;
	#preferences: BootstrapPreferences;
	#start: StartApp;
	#restart: () => void;
	#scopeId: string | undefined;
	#secret: string | undefined;		// a registration group device's derived secret
	#device: Device | undefined;		// the provisioning session's, while bootstrapping
	#timer: Timer | undefined;			// the answer's deadline, or the wait before asking again
	#backoff = { baseMs: 0, capMs: 0 };
	#attempt = 0;
	#refusals = 0;
	#onDisconnected: ((reason: string, retryMs: number) => void) | undefined;

	// Throws naming the setting for a registration group setting that cannot work.
	constructor(preferences: BootstrapPreferences, start: StartApp, restart: () => void = restartBoard) {
		this.#preferences = preferences;
		this.#start = start;
		this.#restart = restart;
		const scopeId = read(preferences, "scopeId");
		if (undefined === scopeId)
			return;
		if ((typeof scopeId !== "string") || !scopeId || (scopeId.length > SCOPE_ID_MAX) || !isAlphanumeric(scopeId))
			throw new RangeError(`scopeId: must be 1 to ${SCOPE_ID_MAX} letters and digits`);
		const groupSecret = read(preferences, "groupSecret");
		const deviceId = read(preferences, "deviceId");
		if ((typeof groupSecret !== "string") || (typeof deviceId !== "string"))
			throw new Error("groupSecret: must be set with scopeId (Preference \"iotda\" or config.iotda.groupSecret)");
		this.#scopeId = scopeId;
		this.#secret = deriveGroupSecret(deviceId, groupSecret);		// the core's errors name the field
	}

	// What the app was started with (for its own keys: the OTA records, say).
	get preferences(): BootstrapPreferences {
		return this.#preferences;
	}

	// Bootstraps when the provisioning is configured and no address is stored; else starts the app.
	run(): void {
		if ((undefined !== this.#preferences.get(DOMAIN, "host")) || !this.#configured())
			return this.#startApp();
		const settings = loadSettings(new SettingsView(this.#preferences, true, this.#secret));
		if (undefined !== this.#scopeId)
			settings.sign = (deviceId, secret, ms, authType, signType) => this.#signScoped(deviceId, secret, ms, authType, signType);
		this.#backoff = { baseMs: settings.retryBaseMs, capMs: settings.retryCapMs };
		const device = this.#device = new Device(settings);
		device.session.subscribe(bootstrapRoot(settings.deviceId) + "down", (_topic, payload) => this.#answered(payload));
		device.onConnected = () => this.#connected();
		trace(`iotda: bootstrap: asking the provisioning service at ${settings.host}:${settings.port}\n`);
		device.start();
	}

	// Forgets the stored address and restarts the board, which then bootstraps.
	bootstrapAgain(reason: string): void {
		if (!this.#configured())
			return trace(`iotda: bootstrap: ${reason}, but no bootstrapHost is configured\n`);
		trace(`iotda: bootstrap: ${reason}: forgetting the stored address and restarting\n`);
		this.#preferences.delete(DOMAIN, "host");
		this.#preferences.delete(DOMAIN, "port");
		this.#restart();
	}

	#configured(): boolean {
		return undefined !== read(this.#preferences, "bootstrapHost");
	}

	// The app's own errors are traced as main modules trace theirs: after a bootstrap no caller is left to catch them.
	#startApp(clockTrusted?: boolean): void {
		let session;
		try {
			const settings = loadSettings(new SettingsView(this.#preferences, false, this.#secret));
			settings.clockTrusted = clockTrusted;
			session = this.#start(settings, this).session;
		}
		catch (e) {
			return trace(`iotda: cannot start: ${(e as Error).message}\n`);		// names the setting, never its value
		}
		if (!this.#configured())
			return;
		this.#onDisconnected = session.onDisconnected;
		session.onDisconnected = (reason, retryMs) => this.#disconnected(reason, retryMs);
	}

	#disconnected(reason: string, retryMs: number): void {
		this.#onDisconnected?.(reason, retryMs);
		// Only refusals in a row count: anything else (a drop, a timeout) may end a run of them.
		this.#refusals = reason.startsWith("CONNACK 5:") ? this.#refusals + 1 : 0;
		if (this.#refusals >= REFUSALS_BEFORE_BOOTSTRAP)
			this.bootstrapAgain(`CONNACK 5 ${this.#refusals} times in a row at the stored address`);
	}

	// The clientId of a registration group's provisioning login: the scope in place of the sign type's
	// own field; the password is the usual one over the derived secret.
	#signScoped(deviceId: string, secret: string, ms: number, authType: number, signType: number): Credentials {
		const credentials = sign(deviceId, secret, ms, authType, signType);
		credentials.clientId = `${deviceId}_0_${this.#scopeId}_${signType}_${credentials.timestamp}`;
		return credentials;
	}

	// After the SUBACK of bootstrap/down; unless a request is already waiting (its answer, or its
	// retry, which asks when it fires).
	#connected(): void {
		if (undefined === this.#timer)
			this.#ask();
	}

	#ask(): void {
		const device = this.#device!;
		const keyword = read(this.#preferences, "strategyKeyword");
		this.#timer = Timer.set(() => this.#retry("no answer"), ANSWER_WAIT_MS);
		try {
			device.session.publish(bootstrapRoot(device.session.deviceId) + "up", (typeof keyword === "string") ? JSON.stringify({ baseStrategyKeyword: keyword }) : "", 1);
		}
		catch (e) {
			this.#retry((e as Error).message);
		}
	}

	// Asks again after the session's backoff (retryBaseMs, retryCapMs): a platform that keeps
	// answering with an error is not asked in a loop.
	#retry(reason: string): void {
		this.#clearTimer();
		const delay = backoffDelay(this.#backoff, this.#attempt++, Math.random);
		trace(`iotda: bootstrap: ${reason}; asking again in ${delay} ms\n`);
		this.#timer = Timer.set(() => this.#again(), delay);
	}

	#clearTimer(): void {
		if (undefined !== this.#timer)
			Timer.clear(this.#timer);
		this.#timer = undefined;
	}

	#again(): void {
		this.#timer = undefined;
		if ("online" === this.#device?.session.state)
			this.#ask();		// else the next connect asks
	}

	#answered(payload: Uint8Array): void {
		if (undefined === this.#device)
			return;
		let answer: { address?: unknown; initConfig?: unknown; errorCode?: unknown; errorMsg?: unknown };
		let address: { host: string; port: number };
		try {
			answer = JSON.parse(decodeUtf8(payload, "answer", true));
			if ((typeof answer !== "object") || (null === answer))
				throw new Error("answer: must be a JSON object");
			if (undefined !== answer.errorCode)
				return this.#retry(`the provisioning service answered error ${JSON.stringify(answer.errorCode)}: ${JSON.stringify(answer.errorMsg ?? "")}`);
			address = parseAddress(answer.address);
		}
		catch (e) {
			return this.#retry((e as Error).message);
		}
		this.#clearTimer();
		this.#preferences.set(DOMAIN, "host", address.host);
		this.#preferences.set(DOMAIN, "port", address.port);
		this.initConfig = answer.initConfig;
		trace(`iotda: bootstrap: assigned ${address.host}:${address.port}, stored\n`);
		this.#device.session.stop();
		const { clockTrusted } = this.#device;
		this.#device = undefined;
		this.#startApp(clockTrusted);
	}
}

// Starts the app: at the stored address, or after bootstrapping (see the header). Throws naming
// the setting for settings that cannot work.
export function provision(preferences: BootstrapPreferences, start: StartApp): Provisioning {
	const provisioning = new Provisioning(preferences, start);
	provisioning.run();
	return provisioning;
}

// Whether a message down (receiveMessages's) is the platform's request to bootstrap again: the
// system format's content, or the bare payload.
export function isBootstrapTrigger(message: { content: unknown } | Uint8Array): boolean {
	if (!(message instanceof Uint8Array))
		return BOOTSTRAP_TRIGGER === message.content;
	if (message.length !== BOOTSTRAP_TRIGGER.length)
		return false;
	for (let i = 0; i < message.length; i++)
		if (message[i] !== BOOTSTRAP_TRIGGER.charCodeAt(i))
			return false;
	return true;
}

// "host:port" of a bootstrap answer; throws naming the field and its rule.
export function parseAddress(address: unknown): { host: string; port: number } {
	if (typeof address !== "string")
		throw new TypeError("address: must be a string \"host:port\"");
	const colon = address.lastIndexOf(":");
	const host = address.slice(0, colon);
	const digits = address.slice(colon + 1);
	if ((colon < 1) || (host.length > HOST_MAX) || !isHostName(host))
		throw new RangeError(`address: the host must be a DNS name or an IPv4 address of at most ${HOST_MAX} characters`);
	const port = Number(digits);
	if (!digits || (digits.length > 5) || !isDigits(digits) || (port < 1) || (port > 65535))
		throw new RangeError("address: the port must be an integer from 1 to 65535");
	return { host, port };
}

// Letters, digits, '.' and '-', neither '.' nor '-' first or last.
function isHostName(host: string): boolean {
	for (let i = 0; i < host.length; i++) {
		const c = host.charCodeAt(i);
		const inner = (46 === c) || (45 === c);		// '.', '-'
		if (!(isAlphanumericCode(c) || (inner && (i > 0) && (i < host.length - 1))))
			return false;
	}
	return true;
}

function isAlphanumeric(text: string): boolean {
	for (let i = 0; i < text.length; i++)
		if (!isAlphanumericCode(text.charCodeAt(i)))
			return false;
	return true;
}

function isAlphanumericCode(c: number): boolean {
	return ((c >= 48) && (c <= 57)) || ((c >= 65) && (c <= 90)) || ((c >= 97) && (c <= 122));
}

function isDigits(text: string): boolean {
	for (let i = 0; i < text.length; i++) {
		const c = text.charCodeAt(i);
		if ((c < 48) || (c > 57))
			return false;
	}
	return true;
}
