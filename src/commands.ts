// IoTDA commands: the platform sends one and waits about 20 s for the answer; the app's handler
// decides it (result_code 0 = done).
import { type Command, type CommandResponse, commandResponse, parseCommand } from "./iotda";
import { answerRequest, subscribeRequests } from "./requests";
import type { Session } from "./session";

export type CommandHandler = (command: Command) => CommandResponse;

// The handler is the receiver's target: no closure, which XS would copy into the heap, code and all.
export function answerCommands(session: Session, handler: CommandHandler): void {
	subscribeRequests(session, "commands", receive, handler);
}

function receive(this: CommandHandler, topic: string, payload: Uint8Array, session: Session): void {
	answerRequest(session, "commands", answer, failure, this, topic, payload);
}

function answer(json: string, requestId: string, handler: CommandHandler): string {
	return commandResponse(handler(parseCommand(requestId, json)));
}

function failure(message: string): object {
	return { result_code: 1, paras: { error: message } };
}
