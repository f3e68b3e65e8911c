// IoTDA commands: the platform sends one and waits about 20 s for the answer; the app's handler
// decides it (result_code 0 = done).
import { type Command, type CommandResponse, commandResponse, parseCommand } from "./iotda";
import { answerRequests } from "./requests";
import type { Session } from "./session";

export type CommandHandler = (command: Command) => CommandResponse;

export function answerCommands(session: Session, handler: CommandHandler): void {
	answerRequests(session, "commands", answer, failure, handler);
}

function answer(json: string, requestId: string, handler: CommandHandler): string {
	return commandResponse(handler(parseCommand(requestId, json)));
}

function failure(message: string): object {
	return { result_code: 1, paras: { error: message } };
}
