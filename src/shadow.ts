// IoTDA's device shadow, asked by the device: a request on .../sys/shadow/get/request_id={id}
// ({"object_device_id"?, "service_id"?}), the platform's answer on .../shadow/get/response/request_id={id}:
// {"object_device_id", "shadow": [{"service_id", "desired": {"properties", "event_time"},
// "reported": {"properties", "event_time"}, "version"}]}. Only the answer to the latest request counts.
import { parseRequest, requestTopic, responseId, responsesFilter } from "./iotda";
import { decodeUtf8 } from "./mqtt/utf8";
import type { Session } from "./session";

export interface ShadowService {
	service_id: string;
	desired?: { properties?: Record<string, unknown>; event_time?: string };
	reported?: { properties?: Record<string, unknown>; event_time?: string };
	version?: number;
}

export class Shadow {
	#session: Session;
	#onShadow: (services: ShadowService[]) => void;
	#asked = 0;		// the latest request id; ids count up from 1 in each run

	constructor(session: Session, onShadow: (services: ShadowService[]) => void) {
		this.#session = session;
		this.#onShadow = onShadow;
		// A method with its target, not a closure (which XS would copy into the heap, code and all).
		session.subscribe(responsesFilter(session.deviceId, "shadow/get"), this.receive, this);
	}

	// TypeScript-private, not #private: XS gives every instance a slot per #method.
	private receive(topic: string, payload: Uint8Array): void {
		if (responseId(this.#session.deviceId, "shadow/get", topic) !== String(this.#asked))
			return;		// an answer to an earlier request, overtaken
		const shadow = parseRequest(decodeUtf8(payload, "shadow payload", true), "shadow").shadow;
		if (!Array.isArray(shadow) || !shadow.every(service => typeof service?.service_id === "string"))
			throw new TypeError("shadow: shadow must be a list of {service_id, desired, reported, version}");
		this.#onShadow(shadow);
	}

	// Asks for every service's shadow, or one's; returns whether the request went out (QoS 0).
	request(serviceId?: string): boolean {
		const body = JSON.stringify((undefined === serviceId) ? {} : { service_id: serviceId });
		return this.#session.publish(requestTopic(this.#session.deviceId, "shadow/get", String(++this.#asked)), body, 0);
	}
}
