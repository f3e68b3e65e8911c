// IoTDA's system topics, all under $oc/devices/{device_id}/: what a device's publish is for, and the
// topics the platform publishes on.

/** The platform's synchronous requests to a device, each answered on `sys/{kind}/response/request_id=`. */
export type RequestKind = "commands" | "properties/set" | "properties/get";

export type Uplink =
  | { kind: "report" }
  | { kind: "events" }
  | { kind: "shadow_get"; requestId: string }
  | { kind: "response"; request: RequestKind; requestId: string }
  /** messages/up, custom topics: the broker only logs them. */
  | { kind: "other" };

const RESPONSE = /^sys\/(commands|properties\/set|properties\/get)\/response\/request_id=([^/]+)$/;
const SHADOW_GET = /^sys\/shadow\/get\/request_id=([^/]+)$/;

export const devicePrefix = (deviceId: string) => `$oc/devices/${deviceId}/`;

/** What a publish of this device (already inside its prefix, the ACL saw to that) is for. */
export function routeUplink(deviceId: string, topic: string): Uplink {
  const rest = topic.slice(devicePrefix(deviceId).length);
  if (rest === "sys/properties/report") return { kind: "report" };
  if (rest === "sys/events/up") return { kind: "events" };
  const shadow = SHADOW_GET.exec(rest);
  if (shadow !== null) return { kind: "shadow_get", requestId: shadow[1] };
  const response = RESPONSE.exec(rest);
  if (response !== null) return { kind: "response", request: response[1] as RequestKind, requestId: response[2] };
  return { kind: "other" };
}

export const requestTopic = (deviceId: string, kind: RequestKind, requestId: string) =>
  `${devicePrefix(deviceId)}sys/${kind}/request_id=${requestId}`;

export const responseTopic = (deviceId: string, kind: RequestKind, requestId: string) =>
  `${devicePrefix(deviceId)}sys/${kind}/response/request_id=${requestId}`;

export const shadowResponseTopic = (deviceId: string, requestId: string) =>
  `${devicePrefix(deviceId)}sys/shadow/get/response/request_id=${requestId}`;

export const messagesDownTopic = (deviceId: string) => `${devicePrefix(deviceId)}sys/messages/down`;

export const eventsDownTopic = (deviceId: string) => `${devicePrefix(deviceId)}sys/events/down`;

/** CreateMessage's `topic`: a suffix the platform puts after $oc/devices/{device_id}/user/. */
export const userTopic = (deviceId: string, suffix: string) => `${devicePrefix(deviceId)}user/${suffix}`;
