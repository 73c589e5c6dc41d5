/** Role of an API key; each key has exactly one. */
export enum Role {
  /** Reads definitions, indicators and alerts, and subscribes to the feed. */
  VIEWER = 'VIEWER',
  /** VIEWER, plus manages definitions and indicators and triages alerts. */
  ANALYST = 'ANALYST',
  /** Sends events only. */
  INGEST = 'INGEST',
  /** ANALYST, plus manages the organization's API keys and reads its audit log. */
  ADMIN = 'ADMIN',
}

/** Permission to perform one kind of operation; every root field and HTTP route requires exactly one. */
export enum Permission {
  READ = 'READ',
  MANAGE_INDICATORS = 'MANAGE_INDICATORS',
  TRIAGE_ALERTS = 'TRIAGE_ALERTS',
  INGEST_EVENTS = 'INGEST_EVENTS',
  MANAGE_KEYS = 'MANAGE_KEYS',
  /** Reading who the caller is; every valid key has it. */
  IDENTIFY = 'IDENTIFY',
}

const ROLE_PERMISSIONS: Readonly<Record<Role, ReadonlySet<Permission>>> = {
  [Role.VIEWER]: new Set([Permission.IDENTIFY, Permission.READ]),
  [Role.ANALYST]: new Set([
    Permission.IDENTIFY,
    Permission.READ,
    Permission.MANAGE_INDICATORS,
    Permission.TRIAGE_ALERTS,
    Permission.INGEST_EVENTS,
  ]),
  [Role.INGEST]: new Set([Permission.IDENTIFY, Permission.INGEST_EVENTS]),
  [Role.ADMIN]: new Set(Object.values(Permission)),
};

export function hasPermission(role: Role, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].has(permission);
}

/** Roles that hold `permission`, for error messages. */
export function rolesWith(permission: Permission): Role[] {
  return Object.values(Role).filter((role) => hasPermission(role, permission));
}

/** An authenticated caller: the API key and the organization it belongs to. */
export interface Caller {
  organizationId: string;
  keyId: string;
  keyName: string;
  role: Role;
}

/** Identity recorded for a change: a caller, or the command-line tool for keys made there. */
export interface Actor {
  organizationId: string;
  keyId: string | null;
  name: string;
}

export function actorOf(caller: Caller): Actor {
  return { organizationId: caller.organizationId, keyId: caller.keyId, name: caller.keyName };
}
