/**
 * Told the ids of indicators whose matching state may have changed (added,
 * changed, enabled, disabled or deleted) after the change committed and this
 * instance's index was updated. Other instances reload those ids.
 */
export interface IndexChangeNotifier {
  indicatorsChanged(ids: readonly string[]): void;
}

/** The notifier of a single instance: there is no one else to tell. */
export const NO_OTHER_INSTANCES: IndexChangeNotifier = { indicatorsChanged: () => undefined };
