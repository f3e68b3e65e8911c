// Device settings: the Preference domain "iotda" (NVS on ESP32, where provisioning writes them)
// wins; the manifest's config.iotda object is the developer fallback. Both use the same keys.
// Errors name the key and the limit, never the value (the secret is one of these keys).
// The Preference module is passed in, not imported: this module is preloaded, and on the lin
// simulator Preference reads its file when it is evaluated, i.e. at build time if it were preloaded.
import config from "mc/config";
import { AUTH_RETRY_MIN_MS, RETRY_BASE_MIN_MS, RETRY_MAX_MS } from "./backoff";
import { KEEPALIVE_MAX, KEEPALIVE_MIN } from "./iotda";
import type { Sign } from "./signer";
import type { ClientCertificate, TrustSet } from "./tls/secure";
import { loadClientCertificate, loadTrust } from "./tls/trust";

export const DOMAIN = "iotda";

export interface Settings {
	host: string;
	port: number;
	tls: boolean;			// false only when configured explicitly
	trust?: TrustSet;		// with tls: the certificates setting ca names ("roots", DER resources, "@key": src/tls/trust.ts)
	serverName: string;		// name the server certificate must carry (and SNI): host unless set
	deviceId: string;
	secret?: string;		// unless the device authenticates by certificate:
	client?: ClientCertificate;	// or the device certificate and key that clientCert and clientKey name as ca's entries
	sign?: Sign;			// not a setting: who signs, when not the core (bootstrap.ts, a registration group's login)
	clockTrusted?: boolean;	// not a setting: a Device before this one in the same boot set (true) or only started (false) the clock
	authType: number;		// 0 deviceId, 1 one-model-one-secret, 2 nodeId
	keepalive: number;		// seconds
	retryBaseMs: number;	// reconnect backoff: ceiling of the first delay
	retryCapMs: number;		// reconnect backoff: largest delay
	authRetryMs: number;	// wait after CONNACK 2/4/5 (bad credentials won't heal by retrying)
	writeQueueBytes: number;	// bytes waiting for the socket before QoS 0 publishes are dropped
	serviceId: string;		// service_id of the demo property report
	reportInterval: number;	// seconds between property reports
	sntp: string[];			// SNTP hosts, tried in order
	buildTime: number;		// ms since 1970: where a clock that was never set starts (config.buildTime)
}

type Value = string | number | boolean | ArrayBuffer | undefined;

// What is read of Moddable's Preference (the app's main module, never preloaded, passes the module itself).
export interface Preferences {
	get(domain: string, key: string): Value;
}

const fallback: Record<string, Value> = config.iotda ?? {};

// A setting as stored: Preference over config.iotda (bootstrap.ts reads its own keys so too).
export function read(preferences: Preferences, key: string): Value {
	return preferences.get(DOMAIN, key) ?? fallback[key];
}

function text(preferences: Preferences, key: string, otherwise?: string): string {
	const value = read(preferences, key) ?? otherwise;
	if ((typeof value !== "string") || !value)
		throw new Error(`${key}: must be set (Preference "${DOMAIN}" or config.iotda.${key})`);
	return value;
}

// mcconfig passes command-line config as strings, so numbers may arrive as "120".
function integer(preferences: Preferences, key: string, otherwise: number, min: number, max: number): number {
	const value = Number(read(preferences, key) ?? otherwise);
	if (!Number.isInteger(value) || value < min || value > max)
		throw new RangeError(`${key}: must be an integer from ${min} to ${max}`);
	return value;
}

function flag(preferences: Preferences, key: string, otherwise: boolean): boolean {
	const value = read(preferences, key) ?? otherwise;
	if (value === true || value === "true" || value === 1)
		return true;
	if (value === false || value === "false" || value === 0)
		return false;
	throw new Error(`${key}: must be true or false`);
}

// A list: a JSON array of strings (the manifest's config) or a comma-separated string (Preference,
// mcconfig's command line); empty entries are an error, not skipped.
function list(preferences: Preferences, key: string, otherwise: string): string[] {
	const value: unknown = read(preferences, key) ?? otherwise;
	const entries = (typeof value === "string") ? value.split(",").map(entry => entry.trim()) : value;
	if (!Array.isArray(entries) || !entries.length || !entries.every(entry => (typeof entry === "string") && entry))
		throw new Error(`${key}: must be a list of names (an array, or a comma-separated string) without empty entries`);
	return entries;
}

// The secret, or (IoTDA's X.509 authentication, over TLS) the device certificate and key.
function credentials(preferences: Preferences, tls: boolean, stored: (key: string) => unknown): Pick<Settings, "secret" | "client"> {
	if ((read(preferences, "clientCert") ?? read(preferences, "clientKey")) === undefined)
		return { secret: text(preferences, "secret") };
	if (!tls)
		throw new Error("clientCert: a device certificate needs tls");
	return { client: loadClientCertificate(list(preferences, "clientCert", ""), text(preferences, "clientKey"), stored) };
}

// The settings, with the certificates they name loaded; throws naming the key, never a value.
export function loadSettings(preferences: Preferences): Settings {
	const stored = (key: string) => preferences.get(DOMAIN, key);		// what "@key" entries name (src/tls/trust.ts)
	const host = text(preferences, "host");
	if (host.includes("<"))
		throw new Error(`host: replace the placeholder with your instance's MQTTS access address`);
	const tls = flag(preferences, "tls", true);
	const port = integer(preferences, "port", tls ? 8883 : 1883, 1, 65535);
	const retryBaseMs = integer(preferences, "retryBaseMs", 1000, RETRY_BASE_MIN_MS, RETRY_MAX_MS);
	// Written by `npm run build` (build/manifest_build.json), not a device setting.
	const buildTime = Number(config.buildTime);
	if (!Number.isSafeInteger(buildTime) || !(buildTime > 0))
		throw new Error("buildTime: config.buildTime is missing: run npm run build before mcconfig");
	return {
		host,
		port,
		tls,
		trust: tls ? loadTrust(list(preferences, "ca", "roots"), stored) : undefined,
		serverName: text(preferences, "serverName", host),
		deviceId: text(preferences, "deviceId"),
		...credentials(preferences, tls, stored),
		authType: integer(preferences, "authType", 0, 0, 2),
		keepalive: integer(preferences, "keepalive", 120, KEEPALIVE_MIN, KEEPALIVE_MAX),
		retryBaseMs,
		retryCapMs: integer(preferences, "retryCapMs", 120_000, retryBaseMs, RETRY_MAX_MS),
		authRetryMs: integer(preferences, "authRetryMs", 900_000, AUTH_RETRY_MIN_MS, RETRY_MAX_MS),
		writeQueueBytes: integer(preferences, "writeQueueBytes", 4096, 256, 1_048_576),
		serviceId: text(preferences, "serviceId", "status"),
		reportInterval: integer(preferences, "reportInterval", 60, 1, 86_400),
		// Moddable's manifest_net.json sets config.sntp; a comma-separated list is accepted too.
		sntp: text(preferences, "sntp", config.sntp ?? "pool.ntp.org").split(","),
		buildTime,
	};
}
