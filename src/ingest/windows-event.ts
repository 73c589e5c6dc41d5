/**
 * Reading of Windows event log records in the three JSON forms that shippers
 * write: flat (NXLog and the Security-Datasets archives put the event data
 * fields at the top level), Winlogbeat (`winlog.event_data`, `winlog.event_id`)
 * and Azure Monitor `WindowsEvent` rows (`EventData` as a JSON string). The
 * XML string form of the `SecurityEvent` table's `EventData` is read too.
 */
import { readDeviceId } from './device-id';
import { JsonObject, isJsonObject, readPath, readText, toText } from './json-path';
import { FieldResult, invalidFieldReason } from './parse-result';

/** A Windows event reduced to what the field mappings read. */
export interface WindowsEvent {
  eventId: number;
  /** Log name, such as `Microsoft-Windows-Sysmon/Operational`, or `''` when the record has none. */
  channel: string;
  /** Provider name, such as `Microsoft-Windows-Security-Auditing`, or `''` when the record has none. */
  provider: string;
  deviceId: string;
  /** Whether Winlogbeat wrote the record, which then also carries ECS fields. */
  fromWinlogbeat: boolean;
  /** Returns an event data field by its Windows name, such as `Hashes`, or `undefined`. */
  readField(name: string): string | undefined;
}

const DEVICE_ID_PATHS = ['Hostname', 'Computer', 'winlog.computer_name', 'host.name'];
const CHANNEL_PATHS = ['Channel', 'winlog.channel'];
const PROVIDER_PATHS = ['Provider', 'SourceName', 'ProviderName', 'winlog.provider_name'];

/** Returns whether the record has `EventID`, `winlog.event_id`, `winlog.event_data` or a string `EventData`. */
export function looksLikeWindowsEvent(record: JsonObject): boolean {
  return (
    record.EventID !== undefined ||
    readPath(record, 'winlog.event_id') !== undefined ||
    readPath(record, 'winlog.event_data') !== undefined ||
    typeof record.EventData === 'string'
  );
}

/** Reads the event id, device and event data of a Windows record, or returns why it cannot. */
export function readWindowsEvent(record: JsonObject): FieldResult<WindowsEvent> {
  const eventData = readEventData(record);
  if (!eventData.ok) {
    return eventData;
  }
  const eventId = readEventId(record);
  if (!eventId.ok) {
    return eventId;
  }
  const deviceId = readDeviceId(record, DEVICE_ID_PATHS);
  if (!deviceId.ok) {
    return deviceId;
  }

  const data = eventData.value;
  return {
    ok: true,
    value: {
      eventId: eventId.value,
      channel: readFirstText(record, CHANNEL_PATHS),
      provider: readFirstText(record, PROVIDER_PATHS),
      deviceId: deviceId.value,
      fromWinlogbeat: isJsonObject(record.winlog) || Object.keys(record).some((key) => key.startsWith('winlog.')),
      readField: (name) => toText(data[name]) ?? toText(record[name]),
    },
  };
}

function readFirstText(record: JsonObject, paths: readonly string[]): string {
  return paths.map((path) => readText(record, path)).find((text) => text !== undefined) ?? '';
}

function readEventId(record: JsonObject): FieldResult<number> {
  const path = record.EventID !== undefined ? 'EventID' : 'winlog.event_id';
  const value = readPath(record, path);
  const text = toText(value);
  if (text === undefined || !/^\d{1,5}$/.test(text.trim()) || Number(text) > 65535) {
    return { ok: false, reason: invalidFieldReason(path, 'a Windows event id from 0 to 65535', value) };
  }
  return { ok: true, value: Number(text) };
}

/** Returns the fields of `winlog.event_data` or `EventData`, or an empty object for flat records. */
function readEventData(record: JsonObject): FieldResult<JsonObject> {
  const winlogData = readPath(record, 'winlog.event_data');
  if (isJsonObject(winlogData)) {
    return { ok: true, value: winlogData };
  }

  const eventData = record.EventData;
  if (isJsonObject(eventData)) {
    return { ok: true, value: eventData };
  }
  if (typeof eventData !== 'string') {
    return { ok: true, value: {} };
  }

  const text = eventData.trim();
  const fields = text.startsWith('<') ? parseEventDataXml(text) : parseEventDataJson(text);
  if (fields === null) {
    const rule = 'a JSON object or an XML <EventData> element in a string';
    return { ok: false, reason: invalidFieldReason('EventData', rule, eventData) };
  }
  return { ok: true, value: fields };
}

function parseEventDataJson(text: string): JsonObject | null {
  try {
    const value: unknown = JSON.parse(text);
    return isJsonObject(value) ? value : null;
  } catch {
    return null;
  }
}

// One <Data Name="...">value</Data> element, or its empty form <Data Name="..."/>.
const XML_DATA_ELEMENT = /<Data\s+Name\s*=\s*["']([^"']+)["']\s*(?:\/>|>([^<]*)<\/Data>)/g;

/** Reads the named `<Data>` elements of an event's XML, or returns `null` when there are none. */
function parseEventDataXml(text: string): JsonObject | null {
  const fields: JsonObject = {};
  for (const match of text.matchAll(XML_DATA_ELEMENT)) {
    fields[match[1]] = decodeXmlText(match[2] ?? '');
  }
  return Object.keys(fields).length > 0 ? fields : null;
}

const XML_ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeXmlText(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (entity, name: string) => {
    if (name.startsWith('#')) {
      const code = name[1].toLowerCase() === 'x' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return code <= 0x10ffff ? String.fromCodePoint(code) : entity;
    }
    return XML_ENTITIES[name.toLowerCase()];
  });
}
