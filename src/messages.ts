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

export type MessageHandler = (message: DownMessage | Uint8Array) => void;

// The handler is the receiver's target: no closure, which XS would copy into the heap, code and all.
export function receiveMessages(session: Session, handler: MessageHandler): void {
	session.subscribe(messagesDownTopic(session.deviceId), receive, handler);
}

function receive(this: MessageHandler, _topic: string, payload: Uint8Array): void {
	this(systemMessage(payload) ?? payload);
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
