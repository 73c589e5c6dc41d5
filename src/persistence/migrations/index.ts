import { InitialSchema1764000000000 } from './1764000000000-InitialSchema';
import { ApiKeysAndAudit1764100000000 } from './1764100000000-ApiKeysAndAudit';
import { FeedSequence1764200000000 } from './1764200000000-FeedSequence';

/** Every migration, oldest first. */
export const MIGRATIONS = [InitialSchema1764000000000, ApiKeysAndAudit1764100000000, FeedSequence1764200000000];
