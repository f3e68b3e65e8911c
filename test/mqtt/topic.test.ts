// Topic filter matching (MQTT 3.1.1 section 4.7), which the session routes incoming PUBLISHes by.
import assert from "node:assert/strict";
import { test } from "node:test";
import { topicMatches } from "../../src/mqtt/topic";

test("'#', '+' and plain levels match as section 4.7 says, $ topics as plain levels", () => {
	const cases: [string, string, boolean][] = [
		["$oc/devices/d1/sys/commands/#", "$oc/devices/d1/sys/commands/request_id=42", true],
		["$oc/devices/d1/sys/commands/#", "$oc/devices/d1/sys/commands", true],		// '#' covers the parent level
		["$oc/devices/d1/sys/commands/#", "$oc/devices/d1/sys/commandsX", false],
		["$oc/devices/d1/sys/commands/#", "$oc/devices/d2/sys/commands/request_id=1", false],
		["$oc/devices/d1/sys/events/down", "$oc/devices/d1/sys/events/down", true],
		["$oc/devices/d1/sys/events/down", "$oc/devices/d1/sys/events/down/x", false],
		["$oc/devices/d1/sys/events/down", "$oc/devices/d1/sys/events", false],
		["$oc/devices/+/sys/events/down", "$oc/devices/d1/sys/events/down", true],
		["$oc/devices/+/sys/events/down", "$oc/devices/d1/x/sys/events/down", false],
		["a/+", "a/", true],		// '+' matches an empty level
		["a/+/c", "a//c", true],
		["+", "a", true],
		["+", "a/b", false],
		["#", "a/b/c", true],
		["a/b", "a/b/", false],
	];
	for (const [filter, topic, expected] of cases)
		assert.equal(topicMatches(filter, topic), expected, `${filter} ~ ${topic}`);
});
