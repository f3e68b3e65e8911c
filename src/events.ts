// IoTDA events: one envelope both ways, {"object_device_id"?, "services": [{service_id, event_type,
// event_time?, event_id?, paras}]}, up on .../sys/events/up and down on .../sys/events/down. A
// feature (time sync, OTA, ...) registers a handler for its service_id and event_type.
import { type Event, eventsDownTopic, eventsUpTopic, parseEvents } from "./iotda";
import { decodeUtf8 } from "./mqtt/utf8";
import type { Session } from "./session";

export type EventHandler = (paras: Record<string, unknown>, event: Event) => void;

export class Events {
	#session: Session;
	#handlers = new Map<string, EventHandler>();

	constructor(session: Session) {
		this.#session = session;
		// A method with its target, not a closure (which XS would copy into the heap, code and all).
		session.subscribe(eventsDownTopic(session.deviceId), this.receive, this);
	}

	on(serviceId: string, eventType: string, handler: EventHandler): void {
		this.#handlers.set(`${serviceId} ${eventType}`, handler);
	}

	// One event up (QoS 0 unless asked; onAck after a QoS 1 PUBACK); returns whether it went out
	// now, as Session.publish does.
	send(serviceId: string, eventType: string, paras: Record<string, unknown>, qos: 0 | 1 = 0, onAck?: () => void): boolean {
		const body = JSON.stringify({ services: [{ service_id: serviceId, event_type: eventType, paras }] });
		return this.#session.publish(eventsUpTopic(this.#session.deviceId), body, qos, onAck);
	}

	// Every event of the envelope reaches its handler even when an earlier one fails; the failures
	// and the events nobody handles are reported together (through the session's onError or log).
	// TypeScript-private, not #private: XS gives every instance a slot per #method.
	private receive(_topic: string, payload: Uint8Array): void {
		const problems: string[] = [];
		for (const event of parseEvents(decodeUtf8(payload, "event payload", true))) {
			const handler = this.#handlers.get(`${event.service_id} ${event.event_type}`);
			try {
				if (!handler)
					throw new Error("no handler, ignored");
				handler(event.paras ?? {}, event);
			}
			catch (e) {
				problems.push(`${JSON.stringify(event.service_id)} ${JSON.stringify(event.event_type)}: ${(e as Error).message}`);
			}
		}
		if (problems.length)
			throw new Error(`event ${problems.join("; ")}`);
	}
}
