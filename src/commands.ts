// IoTDA commands: the platform sends .../sys/commands/request_id={id} and waits about 20 s for the
// answer on .../sys/commands/response/request_id={id}. The app's handler decides the answer.
import { type Command, type CommandResponse, commandRequestId, commandResponse, commandResponseTopic, commandsFilter, parseCommand } from "./iotda";
import { decodeUtf8 } from "./mqtt/utf8";
import type { Session } from "./session";

export type CommandHandler = (command: Command) => CommandResponse;

export function answerCommands(session: Session, handler: CommandHandler): void {
	const { deviceId } = session;
	session.subscribe(commandsFilter(deviceId), (topic, payload) => {
		const requestId = commandRequestId(deviceId, topic);
		if (undefined === requestId)
			return;		// not a request: e.g. a broker echoing our own answers back
		// A bad payload, a missing or throwing handler, or an answer JSON cannot carry all become a
		// failure answer: the platform hears back either way and the connection stays up.
		let answer: string;
		try {
			answer = commandResponse(handler(parseCommand(requestId, decodeUtf8(payload, "command payload", true))));
		}
		catch (e) {
			answer = commandResponse({ result_code: 1, paras: { error: (e as Error).message } });
		}
		// QoS 0: a resend after a reconnect would come after the platform stopped waiting.
		session.publish(commandResponseTopic(deviceId, requestId), answer, 0);
	});
}
