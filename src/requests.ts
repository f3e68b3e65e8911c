// The platform's requests to the device (commands, property set and get): each arrives on
// .../sys/{kind}/request_id={id} and is answered on .../sys/{kind}/response/request_id={id} at QoS 0,
// within the platform's 20 s: a resend after a reconnect would come after it stopped waiting. A bad
// payload or a handler that throws becomes the kind's failure answer, where it has one, so the
// platform hears back either way; the connection stays up.
import { type RequestKind, requestId, requestsFilter, responseTopic } from "./iotda";
import { decodeUtf8 } from "./mqtt/utf8";
import type { Receiver, Session } from "./session";

// Turns a request's JSON into its answer's JSON, with the feature's own `context` (its handlers).
export type Answer<C> = (json: string, requestId: string, context: C) => string;

// Subscribes a kind's requests: `receive`, the kind's receiver (below), is called with `this` the context.
export function subscribeRequests<C>(session: Session, kind: RequestKind, receive: Receiver, context: C): void {
	session.subscribe(requestsFilter(session.deviceId, kind), receive, context);
}

// Answers one request. Each kind's receiver (Session.subscribe's, with `this` the context) is a
// module-level function of its feature that passes its kind's constants here: no object per kind
// holds them, a slot each on XS through every TLS handshake. `failure` makes the answer for an
// error; without it an error goes unanswered (the platform reports its timeout) and is reported.
export function answerRequest<C>(session: Session, kind: RequestKind, answer: Answer<C>,
	failure: ((message: string) => object) | undefined, context: C, topic: string, payload: Uint8Array): void {
	const id = requestId(session.deviceId, kind, topic);
	if (undefined === id)
		return;		// not a request: e.g. a broker echoing our own answers back
	let body: string;
	try {
		body = answer(decodeUtf8(payload, `${kind} payload`, true), id, context);
	}
	catch (e) {
		if (!failure)
			throw e;
		body = JSON.stringify(failure((e as Error).message));
	}
	session.publish(responseTopic(session.deviceId, kind, id), body, 0);
}
