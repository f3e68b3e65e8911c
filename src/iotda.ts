// IoTDA's MQTT conventions: system topics under $oc/devices/{device_id}/sys/ and their JSON
// payloads. Pure string work, no I/O.

// The platform accepts keepalive values in this range only (seconds); 120 is its recommendation.
export const KEEPALIVE_MIN = 30;
export const KEEPALIVE_MAX = 1200;

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

const root = (deviceId: string) => `$oc/devices/${deviceId}/sys/`;

export const commandsFilter = (deviceId: string) => root(deviceId) + "commands/#";
export const propertiesReportTopic = (deviceId: string) => root(deviceId) + "properties/report";
export const messagesUpTopic = (deviceId: string) => root(deviceId) + "messages/up";
export const commandResponseTopic = (deviceId: string, requestId: string) =>
	root(deviceId) + "commands/response/request_id=" + requestId;
export const eventsUpTopic = (deviceId: string) => root(deviceId) + "events/up";
export const eventsDownTopic = (deviceId: string) => root(deviceId) + "events/down";

// Commands arrive on .../sys/commands/request_id={request_id}; returns the id, or undefined
// when the topic is not a command request for this device.
export function commandRequestId(deviceId: string, topic: string): string | undefined {
	const prefix = root(deviceId) + "commands/request_id=";
	if (!topic.startsWith(prefix))
		return undefined;
	const id = topic.slice(prefix.length);
	return (id && !id.includes("/")) ? id : undefined;
}

// Command payload: {"object_device_id", "service_id", "command_name", "paras": {...}}.
// Throws SyntaxError on malformed JSON; the caller answers with a failure result.
export function parseCommand(requestId: string, json: string): Command {
	const body = JSON.parse(json);
	if ((typeof body !== "object") || (body === null))
		throw new SyntaxError("command: payload is not a JSON object");
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

// {"services":[{"service_id": ..., "properties": {...}}]}
export function propertiesReport(serviceId: string, properties: Record<string, unknown>): string {
	return JSON.stringify({services: [{service_id: serviceId, properties}]});
}

// Throws TypeError for a response without a numeric result_code (e.g. a handler that returned
// nothing) or with paras JSON cannot represent.
export function commandResponse(response: CommandResponse): string {
	if (typeof response?.result_code !== "number")
		throw new TypeError("command response: result_code must be a number");
	return JSON.stringify(response);
}
