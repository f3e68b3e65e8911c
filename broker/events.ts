// IoTDA device events, published on $oc/devices/{id}/sys/events/up: the envelope, and $time_sync
// (IoTDA's time synchronisation, for devices without a clock). Other services' paras are read by
// their own modules ($ota: ota-events.ts).
import { isObject, parseJson } from "./json";

export type DeviceEvent =
  | { kind: "time_sync"; deviceSendTime: number }
  | { kind: "other"; serviceId: string; eventType: string; paras: unknown }
  | { kind: "malformed"; reason: string };

/** One reading per service of an events/up payload, or a single malformed one if it lists no services. */
export function readEvents(payload: Buffer): DeviceEvent[] {
  const doc = parseJson(payload);
  if (doc === undefined) return [{ kind: "malformed", reason: "payload is not JSON" }];
  const services = isObject(doc) ? doc.services : undefined;
  if (!Array.isArray(services)) return [{ kind: "malformed", reason: "services: must be an array" }];
  return services.map(readService);
}

function readService(service: unknown, i: number): DeviceEvent {
  if (!isObject(service) || typeof service.service_id !== "string" || typeof service.event_type !== "string") {
    return { kind: "malformed", reason: `services[${i}]: service_id and event_type must be strings` };
  }
  if (service.service_id !== "$time_sync" || service.event_type !== "time_sync_request") {
    return { kind: "other", serviceId: service.service_id, eventType: service.event_type, paras: service.paras };
  }
  const sent = isObject(service.paras) ? service.paras.device_send_time : undefined;
  if (typeof sent !== "number" || !Number.isSafeInteger(sent) || sent < 0) {
    return { kind: "malformed", reason: `services[${i}].paras.device_send_time: must be an integer >= 0 (ms)` };
  }
  return { kind: "time_sync", deviceSendTime: sent };
}

/** IoTDA's event_time, yyyyMMdd'T'HHmmss'Z' in UTC. */
export function eventTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z").replace(/[-:]/g, "");
}

/** The events/down answer to a $time_sync request; times are epoch ms. */
export function timeSyncResponse(deviceId: string, deviceSendTime: number, receivedMs: number, sentMs: number) {
  return {
    object_device_id: deviceId,
    services: [{
      service_id: "$time_sync",
      event_type: "time_sync_response",
      event_time: eventTime(sentMs),
      paras: { device_send_time: deviceSendTime, server_recv_time: receivedMs, server_send_time: sentMs },
    }],
  };
}
