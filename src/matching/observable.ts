import { IndicatorType } from '../domain/enums';

/**
 * One value taken from an event that an indicator may match, such as a
 * process hash or a queried domain. `value` is as the event carried it; the
 * matcher normalizes it.
 */
export interface Observable {
  type: IndicatorType;
  value: string;
  /** ECS-style name of the event field, for example `process.hash.sha256`. */
  field: string;
}

/** An event reduced to what matching and alerting need. */
export interface ParsedEvent {
  /** When the event happened on the device; the receive time when the source has none. */
  eventTime: Date;
  deviceId: string;
  deviceName: string | null;
  observables: Observable[];
}
