// The platform's requests to the device (commands, property set and get): each arrives on
// .../sys/{kind}/request_id={id} and is answered on .../sys/{kind}/response/request_id={id} at QoS 0,
// within the platform's 20 s: a resend after a reconnect would come after it stopped waiting. A bad
// payload or a handler that throws becomes the kind's failure answer, where it has one, so the
// platform hears back either way; the connection stays up.
import { type RequestKind, requestId, requestsFilter, responseTopic } from "./iotda";
import { decodeUtf8 } from "./mqtt/utf8";
import type { Session } from "./session";

// `answer` turns a request's JSON into its answer's JSON; `failure` makes the answer for an error.
// Without `failure` an error goes unanswered (the platform reports its timeout) and is reported.
export function answerRequests(session: Session, kind: RequestKind,
	answer: (json: string, requestId: string) => string, failure?: (message: string) => object): void {
	const { deviceId } = session;
	session.subscribe(requestsFilter(deviceId, kind), (topic, payload) => {
		const id = requestId(deviceId, kind, topic);
		if (undefined === id)
			return;		// not a request: e.g. a broker echoing our own answers back
		let body: string;
		try {
			body = answer(decodeUtf8(payload, `${kind} payload`, true), id);
		}
		catch (e) {
			if (!failure)
				throw e;
			body = JSON.stringify(failure((e as Error).message));
		}
		session.publish(responseTopic(deviceId, kind, id), body, 0);
	});
}
