// IoTDA's MQTT conventions: system topics under $oc/devices/{device_id}/sys/ and their JSON
// payloads. Pure string work, no I/O.
import { encodeUtf8 } from "./mqtt/utf8";

// The platform accepts keepalive values in this range only (seconds); 120 is its recommendation.
export const KEEPALIVE_MIN = 30;
export const KEEPALIVE_MAX = 1200;
// Custom topics ($oc/devices/{id}/user/...) are at most this many bytes.
const USER_TOPIC_MAX = 128;

export interface Command {
	requestId: string;
	serviceId?: string;
	commandName?: string;
	paras: Record<string, unknown>;
}

export interface CommandResponse {
	result_code: number;		// 0 = success, anything else = failure
	response_name?: string;
	paras?: Record<string, unknown>;
}

// IoTDA's X.509 login: the certificate is the credential, so no password, and the clientId's
// timestamp (sign type 0) is not checked. The hour is UTC, YYYYMMDDHH, as the signer writes it.
export function certificateLogin(deviceId: string, ms: number): { clientId: string; username: string } {
	const date = new Date(ms);
	const hour = [date.getUTCMonth() + 1, date.getUTCDate(), date.getUTCHours()].map(n => (n < 10 ? "0" : "") + n).join("");
	return { clientId: `${deviceId}_0_0_${date.getUTCFullYear()}${hour}`, username: deviceId };
}

const root = (deviceId: string) => `$oc/devices/${deviceId}/sys/`;

export const propertiesReportTopic = (deviceId: string) => root(deviceId) + "properties/report";
export const messagesUpTopic = (deviceId: string) => root(deviceId) + "messages/up";
export const messagesDownTopic = (deviceId: string) => root(deviceId) + "messages/down";
export const eventsUpTopic = (deviceId: string) => root(deviceId) + "events/up";
export const eventsDownTopic = (deviceId: string) => root(deviceId) + "events/down";

// The platform's requests, by kind: "commands", "properties/set", "properties/get" arrive on
// .../sys/{kind}/request_id={id} and are answered on .../sys/{kind}/response/request_id={id};
// "shadow/get" goes the other way, the device asking and the platform answering.
export type RequestKind = "commands" | "properties/set" | "properties/get" | "shadow/get";

export const requestsFilter = (deviceId: string, kind: RequestKind) => root(deviceId) + kind + "/#";
export const responsesFilter = (deviceId: string, kind: RequestKind) => root(deviceId) + kind + "/response/#";
export const requestTopic = (deviceId: string, kind: RequestKind, requestId: string) =>
	root(deviceId) + kind + "/request_id=" + requestId;
export const responseTopic = (deviceId: string, kind: RequestKind, requestId: string) =>
	root(deviceId) + kind + "/response/request_id=" + requestId;

// The id of a request of `kind` on `topic`, or undefined when the topic is not one (a response, say).
export function requestId(deviceId: string, kind: RequestKind, topic: string): string | undefined {
	return idAfter(root(deviceId) + kind + "/request_id=", topic);
}

// The id of a response of `kind` on `topic`, or undefined.
export function responseId(deviceId: string, kind: RequestKind, topic: string): string | undefined {
	return idAfter(root(deviceId) + kind + "/response/request_id=", topic);
}

function idAfter(prefix: string, topic: string): string | undefined {
	if (!topic.startsWith(prefix))
		return undefined;
	const id = topic.slice(prefix.length);
	return (id && !id.includes("/")) ? id : undefined;
}

// A request's JSON body; throws SyntaxError (naming `what` when it is JSON but not an object).
export function parseRequest(json: string, what: string): Record<string, any> {
	const body = JSON.parse(json);
	if ((typeof body !== "object") || (body === null) || Array.isArray(body))
		throw new SyntaxError(`${what}: payload is not a JSON object`);
	return body;
}

// Command payload: {"object_device_id", "service_id", "command_name", "paras": {...}}.
// Throws on malformed JSON; the caller answers with a failure result.
export function parseCommand(requestId: string, json: string): Command {
	const body = parseRequest(json, "command");
	return {
		requestId,
		serviceId: body.service_id,
		commandName: body.command_name,
		paras: body.paras ?? {},
	};
}

// One service of an event envelope, {"services": [...]}, both ways.
export interface Event {
	service_id: string;
	event_type: string;
	event_time?: string;
	event_id?: string;
	paras: Record<string, unknown>;
}

// Events of a .../sys/events/down payload; throws SyntaxError/TypeError for anything else.
export function parseEvents(json: string): Event[] {
	const services = JSON.parse(json)?.services;
	if (!Array.isArray(services))
		throw new TypeError("event: payload has no services array");
	for (const event of services)
		if ((typeof event?.service_id !== "string") || (typeof event.event_type !== "string"))
			throw new TypeError("event: service_id and event_type must be strings");
	return services;
}

// A custom topic, $oc/devices/{id}/user/{path}; throws RangeError past IoTDA's 128 bytes.
export function userTopic(deviceId: string, path: string): string {
	const topic = `$oc/devices/${deviceId}/user/${path}`;
	if (encodeUtf8(topic, "topic", false).length > USER_TOPIC_MAX)
		throw new RangeError(`topic: a custom topic is at most ${USER_TOPIC_MAX} bytes (IoTDA)`);
	return topic;
}

// One service's properties, in a report or a get answer.
export interface ServiceProperties {
	service_id: string;
	properties: Record<string, unknown>;
	event_time?: string;		// yyyyMMdd'T'HHmmss'Z' (eventTime)
}

const EVENT_TIME = /^\d{8}T\d{6}Z$/;

// IoTDA's time format, yyyyMMdd'T'HHmmss'Z' (UTC), of `ms` since 1970.
export function eventTime(ms: number): string {
	return new Date(ms).toISOString().replace(/[-:]/g, "").slice(0, 15) + "Z";
}

// {"services":[{"service_id", "properties", "event_time"?}, ...]}; throws TypeError naming the
// field of a service that is not one (the platform would discard the whole report).
export function propertiesReport(services: readonly ServiceProperties[]): string {
	if (!Array.isArray(services) || !services.length)
		throw new TypeError("report: services must be a non-empty list");
	for (const service of services) {
		if ((typeof service?.service_id !== "string") || !service.service_id)
			throw new TypeError("report: service_id must be a non-empty string");
		if ((typeof service.properties !== "object") || (null === service.properties) || Array.isArray(service.properties))
			throw new TypeError("report: properties must be an object");
		if ((undefined !== service.event_time) && !EVENT_TIME.test(service.event_time))
			throw new TypeError("report: event_time must be yyyyMMdd'T'HHmmss'Z' (UTC)");
	}
	return JSON.stringify({services});
}

// Throws TypeError for a response without a numeric result_code (e.g. a handler that returned
// nothing) or with paras JSON cannot represent.
export function commandResponse(response: CommandResponse): string {
	if (typeof response?.result_code !== "number")
		throw new TypeError("command response: result_code must be a number");
	return JSON.stringify(response);
}
