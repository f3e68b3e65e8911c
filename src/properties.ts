// IoTDA property set and get, from the platform: the app's handlers decide, the platform waits 20 s.
//   set: {"object_device_id"?, "services": [{"service_id", "properties"}]} -> {"result_code", "result_desc"?}
//        (0 = done); a handler that throws, a missing one or a bad payload answer result_code 1.
//   get: {"object_device_id"?, "service_id"?} -> {"services": [{"service_id", "properties", "event_time"?}]};
//        IoTDA's answer has no failure form: a get that fails is not answered and the platform
//        reports its timeout.
import { parseRequest, type ServiceProperties } from "./iotda";
import { answerRequest, subscribeRequests } from "./requests";
import type { Session } from "./session";

export type { ServiceProperties };

export interface SetResult {
	result_code: number;		// 0 = done
	result_desc?: string;
}

export interface PropertyHandlers {
	set?(services: ServiceProperties[]): SetResult;
	get?(serviceId: string | undefined): ServiceProperties[];
}

// The handlers are both receivers' target: no closure, which XS would copy into the heap, code and all.
export function answerProperties(session: Session, handlers: PropertyHandlers): void {
	subscribeRequests(session, "properties/set", receiveSet, handlers);
	subscribeRequests(session, "properties/get", receiveGet, handlers);
}

function receiveSet(this: PropertyHandlers, topic: string, payload: Uint8Array, session: Session): void {
	answerRequest(session, "properties/set", answerSet, setFailure, this, topic, payload);
}

function receiveGet(this: PropertyHandlers, topic: string, payload: Uint8Array, session: Session): void {
	answerRequest(session, "properties/get", answerGet, undefined, this, topic, payload);
}

function answerSet(json: string, _requestId: string, handlers: PropertyHandlers): string {
	const services = parseRequest(json, "properties/set").services;
	if (!Array.isArray(services) || !services.every(isServiceProperties))
		throw new TypeError("properties/set: services must be a list of {service_id, properties}");
	if (!handlers.set)
		throw new Error("no property set handler");
	const result = handlers.set(services);
	if (typeof result?.result_code !== "number")
		throw new TypeError("properties/set: the handler's result_code must be a number");
	return JSON.stringify(result);
}

function setFailure(message: string): SetResult {
	return { result_code: 1, result_desc: message };
}

function answerGet(json: string, _requestId: string, handlers: PropertyHandlers): string {
	const serviceId = parseRequest(json, "properties/get").service_id;
	if ((undefined !== serviceId) && (typeof serviceId !== "string"))
		throw new TypeError("properties/get: service_id must be a string");
	if (!handlers.get)
		throw new Error("no property get handler");
	const services = handlers.get(serviceId);
	if (!Array.isArray(services) || !services.every(isServiceProperties))
		throw new TypeError("properties/get: the handler must return a list of {service_id, properties}");
	return JSON.stringify({ services });
}

function isServiceProperties(service: any): service is ServiceProperties {
	return (typeof service?.service_id === "string") && (typeof service.properties === "object") && (null !== service.properties);
}
