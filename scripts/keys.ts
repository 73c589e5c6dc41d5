import 'reflect-metadata';

import { parseArgs } from 'node:util';

import { ConfigError, loadConfig } from '../src/config/config';
import { Role } from '../src/domain/roles';
import { createLogger } from '../src/logging/logger';
import { Database } from '../src/persistence/database';
import { ApiKeyService } from '../src/services/api-key.service';
import { OrganizationService } from '../src/services/organization.service';

const USAGE = `Manage Sightline API keys in the database that DATABASE_URL names.

Usage:
  npm run keys -- create --org NAME --role ROLE [--name NAME]   create a key (and the organization when missing)
  npm run keys -- list --org NAME                                list the organization's keys
  npm run keys -- revoke --org NAME --id KEY_ID                  revoke a key

ROLE is one of ${Object.values(Role).join(', ')}. The key is printed once; only its hash is stored.
`;

/** Actor name the audit log records for changes made with this tool. */
const CLI_ACTOR_NAME = 'command line';

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      org: { type: 'string' },
      role: { type: 'string' },
      name: { type: 'string' },
      id: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const command = positionals[0];
  if (values.help || !command) {
    process.stdout.write(USAGE);
    return values.help ? 0 : 2;
  }
  if (!values.org) return usageError('--org is required: the name of the organization.');

  const config = loadConfig();
  const logger = createLogger('warn');
  const { database } = await Database.open(config.database);
  try {
    const organizations = new OrganizationService(database);
    const apiKeys = new ApiKeyService(database, logger);

    switch (command) {
      case 'create':
        return await createKey(organizations, apiKeys, values.org, values.role, values.name);
      case 'list':
        return await listKeys(organizations, apiKeys, values.org);
      case 'revoke':
        return await revokeKey(organizations, apiKeys, values.org, values.id);
      default:
        return usageError(`Unknown command "${command}"; use create, list or revoke.`);
    }
  } finally {
    await database.close();
  }
}

async function createKey(
  organizations: OrganizationService,
  apiKeys: ApiKeyService,
  organizationName: string,
  roleText: string | undefined,
  name: string | undefined,
): Promise<number> {
  const role = Object.values(Role).find((candidate) => candidate === roleText?.toUpperCase());
  if (!role) return usageError(`--role must be one of ${Object.values(Role).join(', ')}; received "${roleText ?? ''}".`);

  const { organization, created } = await organizations.ensure(organizationName);
  const actor = { organizationId: organization.id, keyId: null, name: CLI_ACTOR_NAME };
  const key = await apiKeys.create(actor, name ?? `${role.toLowerCase()} key`, role);
  if (created) process.stdout.write(`Created the organization "${organization.name}".\n`);
  process.stdout.write(
    `Created the ${role} key "${key.record.name}" (id ${key.record.id}). It is shown only now; store it safely:\n${key.secret}\n`,
  );
  return 0;
}

async function listKeys(organizations: OrganizationService, apiKeys: ApiKeyService, organizationName: string): Promise<number> {
  const organization = await organizations.findByName(organizationName);
  if (!organization) return usageError(`The organization "${organizationName}" does not exist.`);

  let after: string | null = null;
  process.stdout.write('id\trole\tprefix\tname\tcreated\trevoked\tlast used\n');
  for (;;) {
    const page = await apiKeys.list(organization.id, { first: 500, after });
    for (const key of page.nodes) {
      const cells = [key.id, key.role, key.keyPrefix, key.name, key.createdAt.toISOString(), key.revokedAt?.toISOString() ?? '-', key.lastUsedAt?.toISOString() ?? '-'];
      process.stdout.write(`${cells.join('\t')}\n`);
    }
    if (!page.hasNextPage) return 0;
    after = page.cursors[page.cursors.length - 1];
  }
}

async function revokeKey(
  organizations: OrganizationService,
  apiKeys: ApiKeyService,
  organizationName: string,
  id: string | undefined,
): Promise<number> {
  if (!id) return usageError('--id is required: the id of the key, as "list" prints it.');
  const organization = await organizations.findByName(organizationName);
  if (!organization) return usageError(`The organization "${organizationName}" does not exist.`);

  const key = await apiKeys.revoke({ organizationId: organization.id, keyId: null, name: CLI_ACTOR_NAME }, id);
  process.stdout.write(`Revoked the key "${key.name}" (id ${key.id}).\n`);
  return 0;
}

function usageError(message: string): number {
  process.stderr.write(`${message}\n\n${USAGE}`);
  return 2;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    const message = error instanceof ConfigError ? `Invalid configuration: ${error.message}` : error instanceof Error ? error.message : String(error);
    process.stderr.write(`${message}\n`);
    process.exit(1);
  },
);
