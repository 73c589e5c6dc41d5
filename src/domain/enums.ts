/**
 * Enumerations shared by the database, the matcher and the GraphQL schema.
 * Their string values are stored in the database and exposed in the API, so
 * a value may be added but never renamed.
 */

export enum Severity {
  INFORMATIONAL = 'INFORMATIONAL',
  LOW = 'LOW',
  MEDIUM = 'MEDIUM',
  HIGH = 'HIGH',
}

/** Rank of each severity, for `minSeverity` filters. */
export const SEVERITY_RANK: Readonly<Record<Severity, number>> = {
  [Severity.INFORMATIONAL]: 0,
  [Severity.LOW]: 1,
  [Severity.MEDIUM]: 2,
  [Severity.HIGH]: 3,
};

export enum AlertCategory {
  Malware = 'Malware',
  Ransomware = 'Ransomware',
  CommandAndControl = 'CommandAndControl',
  CredentialAccess = 'CredentialAccess',
  Exfiltration = 'Exfiltration',
  LateralMovement = 'LateralMovement',
  Persistence = 'Persistence',
  PrivilegeEscalation = 'PrivilegeEscalation',
  DefenseEvasion = 'DefenseEvasion',
  Discovery = 'Discovery',
  Execution = 'Execution',
  InitialAccess = 'InitialAccess',
  Collection = 'Collection',
  Impact = 'Impact',
  SuspiciousActivity = 'SuspiciousActivity',
  UnwantedSoftware = 'UnwantedSoftware',
  Exploit = 'Exploit',
}

/** Kind of observable an indicator describes; events carry the same kinds. */
export enum IndicatorType {
  FILE_SHA1 = 'FILE_SHA1',
  FILE_SHA256 = 'FILE_SHA256',
  FILE_MD5 = 'FILE_MD5',
  CERTIFICATE_THUMBPRINT = 'CERTIFICATE_THUMBPRINT',
  IP_ADDRESS = 'IP_ADDRESS',
  DOMAIN_NAME = 'DOMAIN_NAME',
  URL = 'URL',
}

export enum MatchFunction {
  /** The observable equals the indicator after normalization. */
  EQUALS = 'EQUALS',
  /** DOMAIN_NAME only: the domain itself and every name below it. */
  INCLUDES_SUBDOMAINS = 'INCLUDES_SUBDOMAINS',
  /** URL only: the URL and every URL under its path on the same origin. */
  PATH_PREFIX = 'PATH_PREFIX',
  /** IP_ADDRESS only: every address inside the CIDR block. */
  CIDR = 'CIDR',
}

export enum AlertStatus {
  NEW = 'NEW',
  IN_PROGRESS = 'IN_PROGRESS',
  RESOLVED = 'RESOLVED',
}

export enum AlertClassification {
  TRUE_POSITIVE = 'TRUE_POSITIVE',
  INFORMATIONAL_EXPECTED_ACTIVITY = 'INFORMATIONAL_EXPECTED_ACTIVITY',
  FALSE_POSITIVE = 'FALSE_POSITIVE',
}

/** Throws when a switch over an enum misses a member; TypeScript proves it unreachable. */
export function unreachable(value: never): never {
  throw new Error(`Unreachable case: ${String(value)}`);
}
