/** Pub/sub topics of the alert feed. */
export enum AlertFeedTopic {
  /** A new alert was stored. */
  ALERT_RAISED = 'ALERT_RAISED',
  /** A stored alert changed: more events, status, classification or assignment. */
  ALERT_UPDATED = 'ALERT_UPDATED',
}

/** Kind of change carried by an `ALERT_UPDATED` event. */
export enum AlertChange {
  EVENTS_ADDED = 'EVENTS_ADDED',
  STATUS_CHANGED = 'STATUS_CHANGED',
  CLASSIFICATION_CHANGED = 'CLASSIFICATION_CHANGED',
  ASSIGNMENT_CHANGED = 'ASSIGNMENT_CHANGED',
  COMMENT_ADDED = 'COMMENT_ADDED',
}
