import { AlertClassification } from './enums';

/** Reason for an alert's classification; each classification allows a fixed subset. */
export enum AlertDetermination {
  MULTI_STAGED_ATTACK = 'MULTI_STAGED_ATTACK',
  MALICIOUS_USER_ACTIVITY = 'MALICIOUS_USER_ACTIVITY',
  COMPROMISED_ACCOUNT = 'COMPROMISED_ACCOUNT',
  MALWARE = 'MALWARE',
  PHISHING = 'PHISHING',
  UNWANTED_SOFTWARE = 'UNWANTED_SOFTWARE',
  SECURITY_TESTING = 'SECURITY_TESTING',
  LINE_OF_BUSINESS_APPLICATION = 'LINE_OF_BUSINESS_APPLICATION',
  CONFIRMED_ACTIVITY = 'CONFIRMED_ACTIVITY',
  NOT_MALICIOUS = 'NOT_MALICIOUS',
  NOT_ENOUGH_DATA_TO_VALIDATE = 'NOT_ENOUGH_DATA_TO_VALIDATE',
  OTHER = 'OTHER',
}

export const DETERMINATIONS_BY_CLASSIFICATION: Readonly<Record<AlertClassification, readonly AlertDetermination[]>> = {
  [AlertClassification.TRUE_POSITIVE]: [
    AlertDetermination.MULTI_STAGED_ATTACK,
    AlertDetermination.MALICIOUS_USER_ACTIVITY,
    AlertDetermination.COMPROMISED_ACCOUNT,
    AlertDetermination.MALWARE,
    AlertDetermination.PHISHING,
    AlertDetermination.UNWANTED_SOFTWARE,
    AlertDetermination.OTHER,
  ],
  [AlertClassification.INFORMATIONAL_EXPECTED_ACTIVITY]: [
    AlertDetermination.SECURITY_TESTING,
    AlertDetermination.LINE_OF_BUSINESS_APPLICATION,
    AlertDetermination.CONFIRMED_ACTIVITY,
    AlertDetermination.OTHER,
  ],
  [AlertClassification.FALSE_POSITIVE]: [
    AlertDetermination.NOT_MALICIOUS,
    AlertDetermination.NOT_ENOUGH_DATA_TO_VALIDATE,
    AlertDetermination.OTHER,
  ],
};

/** MITRE ATT&CK technique or sub-technique id, such as T1003 or T1003.001. */
export const MITRE_TECHNIQUE_PATTERN = /^T\d{4}(\.\d{3})?$/;

/** Length limits of alert definition fields, in characters. */
export const DEFINITION_LIMITS = {
  titleMax: 120,
  descriptionMax: 1000,
  recommendedActionsMax: 2000,
  mitreTechniquesMax: 50,
} as const;

/** Length limits of indicator and alert fields, in characters. */
export const INDICATOR_LIMITS = {
  descriptionMax: 1000,
  sourceMax: 200,
  /** Most indicators one `addIndicators` or `createAlertDefinition` call may carry. */
  batchMax: 5000,
  /** Most ids one `deleteIndicators` call may carry. */
  deleteMax: 5000,
} as const;

export const ALERT_LIMITS = {
  assignedToMax: 200,
  commentMax: 4000,
  authorMax: 200,
} as const;
