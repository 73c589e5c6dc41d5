import { v7 as uuidv7 } from 'uuid';

import type { Database } from '../persistence/database';
import { OrganizationEntity } from '../persistence/entities';

/** Name of the organization every request acts for until API keys exist. */
export const DEFAULT_ORGANIZATION_NAME = 'default';

/** Returns the default organization, creating it on first start. */
export async function ensureDefaultOrganization(database: Database): Promise<OrganizationEntity> {
  return database.transaction(async (manager) => {
    const existing = await manager.findOneBy(OrganizationEntity, { name: DEFAULT_ORGANIZATION_NAME });
    if (existing) return existing;

    const created: OrganizationEntity = { id: uuidv7(), name: DEFAULT_ORGANIZATION_NAME, createdAt: new Date() };
    await manager.insert(OrganizationEntity, created);
    return created;
  });
}
