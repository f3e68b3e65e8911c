// Topic rules shared by the encoder (what we send) and the parser (what the server sends).
// Only the wildcard structure is checked here; length and UTF-8 are the string layer's job.

import { MqttError } from "./packets";

const SLASH = 0x2F, PLUS = 0x2B, HASH = 0x23;

// A topic name (PUBLISH) is at least one character and never holds a wildcard (MQTT-4.7.3-1, MQTT-3.3.2-2).
export function checkTopicName(topic: string, field: string): void {
	if (topic.length === 0) throw new MqttError(`${field}: must not be empty`);
	if (topic.includes("+") || topic.includes("#")) throw new MqttError(`${field}: must not contain wildcards '+' or '#'`);
}

// A topic filter (SUBSCRIBE, UNSUBSCRIBE) is at least one character; '+' fills a whole level and '#'
// fills the last level (MQTT-4.7.1-2, MQTT-4.7.1-3).
export function checkTopicFilter(filter: string, field: string): void {
	const last = filter.length - 1;
	if (last < 0) throw new MqttError(`${field}: must not be empty`);
	for (let i = 0; i <= last; i++) {
		const c = filter.charCodeAt(i);
		if (c !== PLUS && c !== HASH) continue;
		const wholeLevel = (i === 0 || filter.charCodeAt(i - 1) === SLASH) && (i === last || filter.charCodeAt(i + 1) === SLASH);
		if (c === PLUS && !wholeLevel) throw new MqttError(`${field}: '+' must fill a whole level`);
		if (c === HASH && !(wholeLevel && i === last)) throw new MqttError(`${field}: '#' must be the whole last level`);
	}
}

// Whether a topic name matches a valid filter (4.7.1): '+' stands for one whole level, a final '#' for
// the parent level and everything below it. Topics starting with '$' match as plain levels, which is
// what a device wants for IoTDA's $oc/... topics (it only filters its own subscriptions).
export function topicMatches(filter: string, topic: string): boolean {
	let f = 0, t = 0;
	for (;;) {
		const c = filter.charCodeAt(f);
		if (c === HASH)
			return true;
		if (c === PLUS) {
			while (t < topic.length && topic.charCodeAt(t) !== SLASH) t++;
			f++;
		}
		else {
			if (f === filter.length)
				return t === topic.length;
			if (t === topic.length)
				// "a/#" also matches "a": the '#' covers the parent level
				return filter.length - f === 2 && c === SLASH && filter.charCodeAt(f + 1) === HASH;
			if (c !== topic.charCodeAt(t))
				return false;
			f++;
			t++;
		}
	}
}
