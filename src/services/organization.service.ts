import { v7 as uuidv7 } from 'uuid';

import { invalidInput, notFound } from '../domain/errors';
import type { Database } from '../persistence/database';
import { OrganizationEntity } from '../persistence/entities';

/** Name of the organization the first start creates on an empty database. */
export const DEFAULT_ORGANIZATION_NAME = 'default';

export const ORGANIZATION_NAME_MAX = 120;

export class OrganizationService {
  constructor(private readonly database: Database) {}

  async get(id: string): Promise<OrganizationEntity> {
    const row = await this.database.reader.getRepository(OrganizationEntity).findOneBy({ id });
    if (!row) throw notFound('Organization', id);
    return row;
  }

  findByName(name: string): Promise<OrganizationEntity | null> {
    return this.database.reader.getRepository(OrganizationEntity).findOneBy({ name });
  }

  /** Returns the organization named `name`, creating it when missing. */
  async ensure(name: string): Promise<{ organization: OrganizationEntity; created: boolean }> {
    const trimmed = name.trim();
    if (trimmed.length === 0 || trimmed.length > ORGANIZATION_NAME_MAX) {
      throw invalidInput([{ field: 'name', message: `must be 1 to ${ORGANIZATION_NAME_MAX} characters.` }]);
    }
    return this.database.transaction(async (manager) => {
      const existing = await manager.findOneBy(OrganizationEntity, { name: trimmed });
      if (existing) return { organization: existing, created: false };

      const organization: OrganizationEntity = { id: uuidv7(), name: trimmed, alertSequence: 0, createdAt: new Date() };
      await manager.insert(OrganizationEntity, organization);
      return { organization, created: true };
    });
  }
}
