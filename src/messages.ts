// Messages down: on .../sys/messages/down, in IoTDA's system format {"object_device_id"?, "name"?,
// "id"?, "content"}, or any bytes (a product without the system format). The handler gets the
// parsed message, or the bytes as they came.
import { messagesDownTopic } from "./iotda";
import { decodeUtf8 } from "./mqtt/utf8";
import type { Session } from "./session";

export interface DownMessage {
	name?: string;
	id?: string;
	content: unknown;
}

export function receiveMessages(session: Session, handler: (message: DownMessage | Uint8Array) => void): void {
	session.subscribe(messagesDownTopic(session.deviceId), (_topic, payload) => handler(systemMessage(payload) ?? payload));
}

// The system format, or undefined for anything else (not UTF-8, not JSON, no content).
function systemMessage(payload: Uint8Array): DownMessage | undefined {
	try {
		const message = JSON.parse(decodeUtf8(payload, "message", true));
		return ((typeof message === "object") && (null !== message) && ("content" in message)) ? message : undefined;
	}
	catch {
		return undefined;
	}
}
