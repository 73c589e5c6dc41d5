import { registerEnumType } from 'type-graphql';

import { AlertDetermination } from '../../domain/alert-rules';
import {
  AlertCategory,
  AlertClassification,
  AlertStatus,
  IndicatorType,
  MatchFunction,
  Severity,
} from '../../domain/enums';
import { AlertChange } from '../../feed/alert-feed.topics';
import { AlertOrder } from '../../services/alert.service';
import { AuditAction, AuditTargetType } from '../../services/audit.service';
import { Role } from '../../domain/roles';

registerEnumType(Severity, {
  name: 'Severity',
  description: 'How urgent an alert is, from INFORMATIONAL to HIGH.',
  valuesConfig: {
    INFORMATIONAL: { description: 'Worth knowing; no action expected.' },
    LOW: { description: 'Low risk; review when convenient.' },
    MEDIUM: { description: 'Likely malicious; investigate soon.' },
    HIGH: { description: 'Active threat; respond now.' },
  },
});
registerEnumType(AlertCategory, {
  name: 'AlertCategory',
  description: 'The kind of threat an alert definition describes.',
  valuesConfig: {
    Malware: { description: 'Malicious software.' },
    Ransomware: { description: 'Software that encrypts or withholds data for ransom.' },
    CommandAndControl: { description: 'Communication with attacker infrastructure.' },
    CredentialAccess: { description: 'Theft of credentials such as passwords or tickets.' },
    Exfiltration: { description: 'Data leaving the organization.' },
    LateralMovement: { description: 'Movement from one host to another.' },
    Persistence: { description: 'Footholds that survive restarts.' },
    PrivilegeEscalation: { description: 'Gaining higher permissions.' },
    DefenseEvasion: { description: 'Avoiding detection or disabling defenses.' },
    Discovery: { description: 'Exploring the environment.' },
    Execution: { description: 'Running attacker-controlled code.' },
    InitialAccess: { description: 'Getting into the network.' },
    Collection: { description: 'Gathering data of interest.' },
    Impact: { description: 'Disrupting or destroying systems or data.' },
    SuspiciousActivity: { description: 'Activity that may be malicious.' },
    UnwantedSoftware: { description: 'Adware, riskware or other unwanted applications.' },
    Exploit: { description: 'Exploitation of a vulnerability.' },
  },
});
registerEnumType(IndicatorType, {
  name: 'IndicatorType',
  description: 'The kind of observable an indicator of compromise describes.',
  valuesConfig: {
    FILE_SHA1: { description: 'SHA-1 hash of a file, 40 hexadecimal characters.' },
    FILE_SHA256: { description: 'SHA-256 hash of a file, 64 hexadecimal characters.' },
    FILE_MD5: { description: 'MD5 hash of a file, 32 hexadecimal characters. Never compared with import hashes (IMPHASH).' },
    CERTIFICATE_THUMBPRINT: { description: 'SHA-1 thumbprint of an X.509 certificate, 40 hexadecimal characters.' },
    IP_ADDRESS: { description: 'IPv4 or IPv6 address, or a CIDR block with the CIDR match function.' },
    DOMAIN_NAME: { description: 'Fully qualified domain name; internationalized names are stored as punycode.' },
    URL: { description: 'Absolute http, https, ftp, ws or wss URL.' },
  },
});
registerEnumType(MatchFunction, {
  name: 'MatchFunction',
  description: 'How an indicator value is compared with event observables.',
  valuesConfig: {
    EQUALS: { description: 'The normalized observable equals the normalized indicator. Allowed for every type.' },
    INCLUDES_SUBDOMAINS: { description: 'DOMAIN_NAME only, and its default: the domain and every name below it.' },
    PATH_PREFIX: { description: 'URL only, and its default: the URL and every URL under its path on the same origin.' },
    CIDR: { description: 'IP_ADDRESS only: every address inside the CIDR block.' },
  },
});
registerEnumType(AlertStatus, {
  name: 'AlertStatus',
  description: 'Triage state of an alert.',
  valuesConfig: {
    NEW: { description: 'Not yet looked at.' },
    IN_PROGRESS: { description: 'Under investigation.' },
    RESOLVED: { description: 'Closed; the next match on the same indicator and device raises a new alert.' },
  },
});
registerEnumType(AlertClassification, {
  name: 'AlertClassification',
  description: 'Outcome of an alert investigation.',
  valuesConfig: {
    TRUE_POSITIVE: { description: 'A real threat.' },
    INFORMATIONAL_EXPECTED_ACTIVITY: { description: 'Real activity that is expected, such as a security test.' },
    FALSE_POSITIVE: { description: 'Not malicious; the indicator matched benign activity.' },
  },
});
registerEnumType(AlertDetermination, {
  name: 'AlertDetermination',
  description:
    'Reason behind a classification. TRUE_POSITIVE allows MULTI_STAGED_ATTACK, MALICIOUS_USER_ACTIVITY, COMPROMISED_ACCOUNT, MALWARE, PHISHING, UNWANTED_SOFTWARE and OTHER; INFORMATIONAL_EXPECTED_ACTIVITY allows SECURITY_TESTING, LINE_OF_BUSINESS_APPLICATION, CONFIRMED_ACTIVITY and OTHER; FALSE_POSITIVE allows NOT_MALICIOUS, NOT_ENOUGH_DATA_TO_VALIDATE and OTHER.',
  valuesConfig: {
    MULTI_STAGED_ATTACK: { description: 'Part of an attack with several stages.' },
    MALICIOUS_USER_ACTIVITY: { description: 'A user acted maliciously.' },
    COMPROMISED_ACCOUNT: { description: 'An account is in attacker hands.' },
    MALWARE: { description: 'Malicious software ran.' },
    PHISHING: { description: 'A phishing attempt.' },
    UNWANTED_SOFTWARE: { description: 'Unwanted but not malicious software.' },
    SECURITY_TESTING: { description: 'An authorized security test.' },
    LINE_OF_BUSINESS_APPLICATION: { description: 'A legitimate business application.' },
    CONFIRMED_ACTIVITY: { description: 'Activity confirmed as intended by its owner.' },
    NOT_MALICIOUS: { description: 'Benign activity.' },
    NOT_ENOUGH_DATA_TO_VALIDATE: { description: 'Too little data to tell.' },
    OTHER: { description: 'Another reason, explained in a comment.' },
  },
});
registerEnumType(AlertChange, {
  name: 'AlertChange',
  description: 'What changed in an existing alert.',
  valuesConfig: {
    EVENTS_ADDED: { description: 'More matching events were folded into the alert.' },
    STATUS_CHANGED: { description: 'The status changed.' },
    CLASSIFICATION_CHANGED: { description: 'The classification or determination changed.' },
    ASSIGNMENT_CHANGED: { description: 'The assignee changed.' },
    COMMENT_ADDED: { description: 'A comment was added.' },
  },
});
registerEnumType(AlertOrder, {
  name: 'AlertOrder',
  description: 'Order of the alerts list, by feed sequence.',
  valuesConfig: {
    NEWEST_FIRST: { description: 'Most recently raised first.' },
    OLDEST_FIRST: { description: 'In feed order, oldest first.' },
  },
});
registerEnumType(Role, {
  name: 'Role',
  description: 'What an API key may do.',
  valuesConfig: {
    VIEWER: { description: 'Read definitions, indicators and alerts, and subscribe to the alert feed.' },
    ANALYST: { description: 'VIEWER, plus manage definitions and indicators, triage alerts and send events.' },
    INGEST: { description: 'Send events only.' },
    ADMIN: { description: "ANALYST, plus manage the organization's API keys and read its audit log." },
  },
});
registerEnumType(AuditAction, {
  name: 'AuditAction',
  description: 'A recorded kind of change.',
  valuesConfig: {
    ALERT_DEFINITION_CREATED: { description: 'An alert definition was created.' },
    ALERT_DEFINITION_UPDATED: { description: 'Fields of an alert definition changed.' },
    ALERT_DEFINITION_DELETED: { description: 'An alert definition and its indicators were deleted.' },
    INDICATORS_ADDED: { description: 'Indicators were added to an alert definition; `indicatorIds` lists them.' },
    INDICATOR_UPDATED: { description: 'Fields of an indicator changed.' },
    INDICATORS_DELETED: { description: 'An indicator was deleted.' },
    ALERT_UPDATED: { description: 'Triage fields of an alert changed or a comment was added.' },
    API_KEY_CREATED: { description: 'An API key was created.' },
    API_KEY_REVOKED: { description: 'An API key was revoked.' },
  },
});
registerEnumType(AuditTargetType, {
  name: 'AuditTargetType',
  description: 'Kind of item an audit event is about.',
  valuesConfig: {
    ALERT_DEFINITION: { description: 'An alert definition.' },
    INDICATOR: { description: 'An indicator.' },
    ALERT: { description: 'An alert.' },
    API_KEY: { description: 'An API key.' },
  },
});
