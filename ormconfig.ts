import 'reflect-metadata';

import { DataSource } from 'typeorm';

import { loadConfig } from './src/config/config';
import { dataSourceOptions } from './src/persistence/data-source';

/**
 * The DataSource that the TypeORM CLI uses (`npm run typeorm -- migration:run`);
 * the server builds its own from the same options. Reads `DATABASE_URL`.
 */
export default new DataSource(dataSourceOptions(loadConfig().database));
