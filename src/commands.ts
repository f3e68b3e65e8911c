// IoTDA commands: the platform sends .../sys/commands/request_id={id} and waits about 20 s for the
// answer on .../sys/commands/response/request_id={id}. The app's handler decides the answer.
import { type Command, type CommandResponse, commandRequestId, commandResponse, commandResponseTopic, commandsFilter, parseCommand } from "./iotda";
import { decodeUtf8 } from "./mqtt/utf8";
import type { Session } from "./session";

export type CommandHandler = (command: Command) => CommandResponse;

// The receiver only forwards: XS copies the code of a closure made at run time by a preloaded
// module into the heap, so the work is done by a module-level function, which stays in flash.
export function answerCommands(session: Session, handler: CommandHandler): void {
	session.subscribe(commandsFilter(session.deviceId), (topic, payload) => answer(session, handler, topic, payload));
}

function answer(session: Session, handler: CommandHandler, topic: string, payload: Uint8Array): void {
	const { deviceId } = session;
	const requestId = commandRequestId(deviceId, topic);
	if (undefined === requestId)
		return;		// not a request: e.g. a broker echoing our own answers back
	// A bad payload, a missing or throwing handler, or an answer JSON cannot carry all become a
	// failure answer: the platform hears back either way and the connection stays up.
	let response: string;
	try {
		response = commandResponse(handler(parseCommand(requestId, decodeUtf8(payload, "command payload", true))));
	}
	catch (e) {
		response = commandResponse({ result_code: 1, paras: { error: (e as Error).message } });
	}
	// QoS 0: a resend after a reconnect would come after the platform stopped waiting.
	session.publish(commandResponseTopic(deviceId, requestId), response, 0);
}
