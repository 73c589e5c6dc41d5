/**
 * Malformed input on every entry point: GraphQL arguments, HTTP requests to
 * /graphql, POST /events and websocket frames. Each table row names the
 * request and the error code, field path and rule it must get. After every
 * row the stored definitions, indicators, alerts, comments and audit events,
 * and the matching index, must be exactly as before.
 */
import WebSocket from 'ws';

import { createDefinition, ingest, nativeEvent, sha256Of } from '../helpers/fixtures';
import { postEvents, startTestServer, waitUntil, type TestServer } from '../helpers/test-server';

/** Ids and cursors of the data stored before the table runs. */
interface StoredData {
  definitionId: string;
  indicatorId: string;
  alertId: string;
  definitionCursor: string;
  indicatorCursor: string;
  alertCursor: string;
}

/** The error a row must get. `issues` lists every `extensions.issues` entry as a field and a fragment of its rule. */
interface ExpectedError {
  code: string;
  message?: string;
  path?: string[];
  issues?: Array<{ field: string; rule: string }>;
}

interface GraphqlRow {
  name: string;
  query: string;
  variables?: (stored: StoredData) => Record<string, unknown>;
  expected: ExpectedError;
}

interface HttpRow {
  name: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
  expected: { status: number; code: string; message: string };
}

interface EventsRow {
  name: string;
  body: string | ((stored: StoredData) => string);
  query?: string;
  contentType?: string;
  key?: null;
  expected:
    | { status: number; code: string; message: string }
    | { status: 200; accepted: number; rejectedLines: Array<{ line: number; rule: string }> };
}

interface WebsocketRow {
  name: string;
  /** Frames sent as they are on a raw socket, or a subscription sent through graphql-ws. */
  request:
    | { frames: (adminKey: string) => string[] }
    | { subscription: string; variables?: (stored: StoredData) => Record<string, unknown> };
  expected: { closeCode: number; closeReason: string } | ExpectedError;
}

const MIB = 1024 * 1024;
const MAX_EVENT_BODY_BYTES = 2 * MIB;
const MAX_GRAPHQL_BODY_BYTES = MIB;
const HUNDRED_KB = 'x'.repeat(100_000);

/** Tables whose rows no rejected request may change. API keys are left out because every request stamps `last_used_at`. */
const GUARDED_TABLES = ['alert_definition', 'indicator', 'alert', 'alert_comment', 'audit_event'] as const;

// ---------------------------------------------------------------------------
// GraphQL documents and expectation builders

const ADD_INDICATORS = `mutation ($id: ID!, $indicators: [IndicatorInput!]!) {
  addIndicators(alertDefinitionId: $id, indicators: $indicators) { addedCount }
}`;
const CREATE_DEFINITION = `mutation ($input: AlertDefinitionInput!) { createAlertDefinition(input: $input) { id } }`;
const UPDATE_ALERT = `mutation ($id: ID!, $input: AlertUpdateInput!) { updateAlert(id: $id, input: $input) { id } }`;
const UPDATE_INDICATOR = `mutation ($id: ID!, $input: IndicatorUpdateInput!) { updateIndicator(id: $id, input: $input) { id } }`;
const INGEST_EVENTS = `mutation ($events: [EventInput!]!) { ingestEvents(events: $events) { accepted } }`;
const LIST_DEFINITIONS = `query ($first: Int!, $after: String) { alertDefinitions(first: $first, after: $after) { totalCount } }`;
const LIST_INDICATORS = `query ($first: Int!, $after: String) { indicators(first: $first, after: $after) { totalCount } }`;

/** BAD_USER_INPUT from a resolver: the root field as path and every issue listed. */
function invalidInput(rootField: string, ...issues: Array<[field: string, rule: string]>): ExpectedError {
  return { code: 'BAD_USER_INPUT', path: [rootField], issues: issues.map(([field, rule]) => ({ field, rule })) };
}

/** Builds the expectation for an error raised before execution, such as a validation or variable error, which has no path. */
function requestError(code: string, message: string): ExpectedError {
  return { code, message };
}

/** Builds a row that adds one indicator to the stored definition and expects one issue on `indicators[0].<field>`. */
function indicatorRow(name: string, indicator: Record<string, unknown>, field: string, rule: string): GraphqlRow {
  return {
    name,
    query: ADD_INDICATORS,
    variables: (stored) => ({ id: stored.definitionId, indicators: [indicator] }),
    expected: invalidInput('addIndicators', [`indicators[0].${field}`, rule]),
  };
}

function valueRow(name: string, type: string, value: string, rule: string, matchFunction?: string): GraphqlRow {
  return indicatorRow(name, { type, value, ...(matchFunction ? { matchFunction } : {}) }, 'value', rule);
}

/** Builds a row that creates a definition with `fields` on top of a valid input. */
function definitionRow(name: string, fields: Record<string, unknown>, expected: ExpectedError): GraphqlRow {
  return {
    name,
    query: CREATE_DEFINITION,
    variables: () => ({ input: { title: 'Rejected definition', severity: 'HIGH', category: 'Malware', ...fields } }),
    expected,
  };
}

function alertRow(name: string, input: Record<string, unknown>, expected: ExpectedError): GraphqlRow {
  return { name, query: UPDATE_ALERT, variables: (stored) => ({ id: stored.alertId, input }), expected };
}

/** Returns a domain name of exactly `length` characters made of 62-character labels. */
function domainOfLength(length: number): string {
  const labels: string[] = [];
  let remaining = length;
  while (remaining > 63) {
    labels.push('a'.repeat(62));
    remaining -= 63;
  }
  return [...labels, 'b'.repeat(remaining)].join('.');
}

const HEX_64 = 'a'.repeat(64);

const GRAPHQL_ROWS: GraphqlRow[] = [
  // File hashes and certificate thumbprints
  valueRow('rejects an MD5 hash of 31 characters', 'FILE_MD5', 'a'.repeat(31), 'must be 32 hexadecimal characters for FILE_MD5; received 31 characters.'),
  valueRow('rejects an MD5 hash with a "g"', 'FILE_MD5', `g${'a'.repeat(31)}`, 'must contain only hexadecimal characters (0-9, a-f) for FILE_MD5; received "g" at position 1.'),
  valueRow('rejects a SHA-1 hash of 41 characters', 'FILE_SHA1', 'a'.repeat(41), 'must be 40 hexadecimal characters for FILE_SHA1; received 41 characters.'),
  valueRow('rejects a SHA-1 hash with an "x"', 'FILE_SHA1', `${'a'.repeat(39)}x`, 'for FILE_SHA1; received "x" at position 40.'),
  valueRow('rejects a SHA-256 hash of 63 characters', 'FILE_SHA256', 'a'.repeat(63), 'must be 64 hexadecimal characters for FILE_SHA256; received 63 characters.'),
  valueRow('rejects a SHA-256 hash with a "z"', 'FILE_SHA256', `${'a'.repeat(63)}z`, 'for FILE_SHA256; received "z" at position 64.'),
  valueRow('names FILE_MD5 for a 32-character SHA-256', 'FILE_SHA256', 'a'.repeat(32), 'received 32 characters. A 32-character hash is FILE_MD5.'),
  valueRow('rejects a thumbprint of 39 characters', 'CERTIFICATE_THUMBPRINT', 'a'.repeat(39), 'must be 40 hexadecimal characters for CERTIFICATE_THUMBPRINT; received 39 characters.'),
  valueRow('rejects a thumbprint with a "q"', 'CERTIFICATE_THUMBPRINT', `${'a'.repeat(39)}q`, 'for CERTIFICATE_THUMBPRINT; received "q" at position 40.'),
  valueRow('rejects a thumbprint of 19 colon pairs', 'CERTIFICATE_THUMBPRINT', Array(19).fill('ab').join(':'), 'received a colon-separated value of 56 characters that is not 20 pairs.'),
  valueRow('rejects a NUL byte in a hash', 'FILE_SHA256', `${'a'.repeat(30)}\u0000${'a'.repeat(33)}`, 'must not contain control characters; received U+0000 at position 31.'),

  // IP addresses and CIDR blocks
  valueRow('rejects the IPv4 address 999.1.1.1', 'IP_ADDRESS', '999.1.1.1', 'whose four numbers are between 0 and 255; received 999 in "999.1.1.1".'),
  valueRow('rejects the IPv4 block 10.0.0.0/33', 'IP_ADDRESS', '10.0.0.0/33', 'must have a prefix length between 0 and 32 for an IPv4 block; received /33.', 'CIDR'),
  valueRow('rejects the IPv6 block prefix /129', 'IP_ADDRESS', '2001:db8::/129', 'between 0 and 128 for an IPv6 block; received /129.', 'CIDR'),
  valueRow('rejects an IPv6 group with a "g"', 'IP_ADDRESS', '2001:db8::g1', 'which contains "g", a character IPv6 addresses do not use.'),
  valueRow('rejects an IPv6 group of 5 digits', 'IP_ADDRESS', '2001:db8::12345', 'which has the group "12345" of more than 4 hexadecimal digits.'),
  valueRow('rejects an IPv6 address with two "::"', 'IP_ADDRESS', '2001::db8::1', 'which contains "::" more than once.'),
  valueRow('rejects an IPv6 address of 9 groups', 'IP_ADDRESS', '1:2:3:4:5:6:7:8:9', 'which does not have 8 groups of up to 4 hexadecimal digits'),
  valueRow('rejects an IPv4 address with a port', 'IP_ADDRESS', '192.0.2.10:443', 'must be an IP address without a port; received "192.0.2.10:443".'),
  valueRow('rejects an IPv6 address with a port', 'IP_ADDRESS', '[2001:db8::1]:443', 'must be an IP address without a port; received "[2001:db8::1]:443".'),
  valueRow('rejects a CIDR block with EQUALS', 'IP_ADDRESS', '10.0.0.0/8', 'must be a single IP address for matchFunction EQUALS', 'EQUALS'),
  valueRow('rejects an octet with a leading zero', 'IP_ADDRESS', '010.0.0.1', 'must not contain numbers with leading zeros, which some systems read as octal'),
  valueRow('rejects an IPv6 zone index', 'IP_ADDRESS', 'fe80::1%eth0', 'must not contain a zone index such as %eth0'),

  // Domain names
  valueRow('rejects a domain with a space', 'DOMAIN_NAME', 'evil example.com', 'must not contain spaces or other whitespace; received whitespace at position 5'),
  valueRow('rejects an underscore in the TLD', 'DOMAIN_NAME', 'example.co_m', 'must end in a top-level domain of letters only, or an xn-- label; received the last label "co_m".'),
  valueRow('rejects an underscore inside a label', 'DOMAIN_NAME', 'ex_ample.com', 'must use "_" only at the start of a label'),
  valueRow('rejects the lone label wpad', 'DOMAIN_NAME', 'wpad', 'must have at least two labels (such as example.com); received the single label "wpad".'),
  valueRow('rejects a label of 64 characters', 'DOMAIN_NAME', `${'a'.repeat(64)}.example.com`, 'must have labels of at most 63 characters; received a label of 64 characters.'),
  valueRow('rejects a name of 254 characters', 'DOMAIN_NAME', domainOfLength(254), 'must be at most 253 characters for DOMAIN_NAME; received 254 characters.'),
  valueRow('rejects a Latin and Cyrillic look-alike', 'DOMAIN_NAME', 'p\u0430ypal.com', 'must not mix scripts within one label, because mixed labels imitate other names; label 1 mixes Latin and Cyrillic.'),
  valueRow('rejects a URL as a domain', 'DOMAIN_NAME', 'http://evil.example.com/', 'must be a domain name without a scheme or path'),
  valueRow('rejects a public suffix with subdomains', 'DOMAIN_NAME', 'co.uk', 'must not be a public suffix with matchFunction INCLUDES_SUBDOMAINS'),
  valueRow('rejects a NUL byte in a domain', 'DOMAIN_NAME', 'evil\u0000.example.com', 'must not contain control characters; received U+0000 at position 5.'),

  // URLs
  valueRow('rejects a URL without a scheme', 'URL', 'evil.example.com/path', 'must be an absolute URL that starts with a scheme such as http:// or https://'),
  valueRow('rejects a javascript: URL', 'URL', 'javascript:alert(1)', 'must use one of the schemes http, https, ftp, ws or wss; received the scheme "javascript:".'),
  valueRow('rejects a data: URL', 'URL', 'data:text/html,<script>alert(1)</script>', 'received the scheme "data:".'),
  valueRow('rejects a file: URL', 'URL', 'file:///etc/passwd', 'received the scheme "file:".'),
  valueRow('rejects a URL with port 99999', 'URL', 'http://example.com:99999/', 'whose host or port could not be parsed'),
  valueRow('rejects a NUL byte in a URL', 'URL', 'http://example.com/\u0000', 'must not contain control characters; received U+0000 at position 20.'),

  // Match functions, expiry and batches
  indicatorRow('rejects CIDR for a SHA-256 hash', { type: 'FILE_SHA256', value: HEX_64, matchFunction: 'CIDR' }, 'matchFunction', 'CIDR is not allowed for FILE_SHA256; use one of EQUALS.'),
  indicatorRow('rejects PATH_PREFIX for a domain', { type: 'DOMAIN_NAME', value: 'example.org', matchFunction: 'PATH_PREFIX' }, 'matchFunction', 'PATH_PREFIX is not allowed for DOMAIN_NAME; use one of INCLUDES_SUBDOMAINS, EQUALS.'),
  indicatorRow('rejects INCLUDES_SUBDOMAINS for an IP', { type: 'IP_ADDRESS', value: '192.0.2.1', matchFunction: 'INCLUDES_SUBDOMAINS' }, 'matchFunction', 'INCLUDES_SUBDOMAINS is not allowed for IP_ADDRESS; use one of EQUALS, CIDR.'),
  indicatorRow('rejects an expiresAt in the past', { type: 'FILE_SHA256', value: HEX_64, expiresAt: '2000-01-01T00:00:00Z' }, 'expiresAt', 'must be in the future; omit it for an indicator that never expires.'),
  {
    name: 'rejects an expiresAt that is no date',
    query: ADD_INDICATORS,
    variables: (stored) => ({ id: stored.definitionId, indicators: [{ type: 'FILE_SHA256', value: HEX_64, expiresAt: 'yesterday' }] }),
    expected: requestError('BAD_USER_INPUT', 'got invalid value "yesterday" at "indicators[0].expiresAt"; DateTime cannot represent an invalid date-time-string'),
  },
  {
    name: 'rejects 5,001 indicators in addIndicators',
    query: ADD_INDICATORS,
    variables: (stored) => ({
      id: stored.definitionId,
      indicators: Array.from({ length: 5001 }, (_, n) => ({ type: 'FILE_SHA256', value: sha256Of(1000 + n) })),
    }),
    expected: invalidInput('addIndicators', ['indicators', 'must contain at most 5000 indicators per call; received 5001.']),
  },
  definitionRow(
    'rejects 5,001 indicators in a new definition',
    { indicators: Array.from({ length: 5001 }, (_, n) => ({ type: 'FILE_SHA256', value: sha256Of(1000 + n) })) },
    invalidInput('createAlertDefinition', ['input.indicators', 'must contain at most 5000 indicators; add more with addIndicators.']),
  ),
  {
    name: 'rejects a duplicate indicator in a batch',
    query: ADD_INDICATORS,
    variables: (stored) => ({
      id: stored.definitionId,
      indicators: [{ type: 'FILE_SHA256', value: sha256Of(7) }, { type: 'FILE_SHA256', value: sha256Of(7) }],
    }),
    expected: invalidInput('addIndicators', ['indicators[1].value', 'duplicates indicators[0] after normalization; remove one or pass skipDuplicates: true.']),
  },
  {
    name: 'rejects a duplicate after normalization',
    query: ADD_INDICATORS,
    variables: (stored) => ({
      id: stored.definitionId,
      indicators: [{ type: 'DOMAIN_NAME', value: 'Evil.Example.ORG.' }, { type: 'DOMAIN_NAME', value: 'evil.example.org' }],
    }),
    expected: invalidInput('addIndicators', ['indicators[1].value', 'duplicates indicators[0] after normalization']),
  },
  {
    name: 'rejects an indicator already stored',
    query: ADD_INDICATORS,
    variables: (stored) => ({ id: stored.definitionId, indicators: [{ type: 'FILE_SHA256', value: sha256Of(1).toUpperCase() }] }),
    expected: invalidInput('addIndicators', ['indicators[0].value', 'is already an indicator of this alert definition']),
  },
  {
    name: 'rejects an invalid value in updateIndicator',
    query: UPDATE_INDICATOR,
    variables: (stored) => ({ id: stored.indicatorId, input: { value: 'a'.repeat(63) } }),
    expected: invalidInput('updateIndicator', ['input.value', 'must be 64 hexadecimal characters for FILE_SHA256; received 63 characters.']),
  },

  // Strings of 100 KB, NUL bytes and blank text
  definitionRow('rejects a title of 100 KB', { title: HUNDRED_KB }, invalidInput('createAlertDefinition', ['input.title', 'must be at most 120 characters.'])),
  definitionRow('rejects a description of 100 KB', { description: HUNDRED_KB }, invalidInput('createAlertDefinition', ['input.description', 'must be at most 1000 characters.'])),
  definitionRow('rejects recommended actions of 100 KB', { recommendedActions: HUNDRED_KB }, invalidInput('createAlertDefinition', ['input.recommendedActions', 'must be at most 2000 characters.'])),
  valueRow('rejects an indicator value of 100 KB', 'URL', `http://example.com/${HUNDRED_KB}`, 'must be at most 4096 characters.'),
  alertRow('rejects a comment of 100 KB', { comment: HUNDRED_KB }, invalidInput('updateAlert', ['input.comment', 'must be at most 4000 characters.'])),
  definitionRow('rejects a title of only spaces', { title: '   ' }, invalidInput('createAlertDefinition', ['input.title', 'must not be empty'])),
  definitionRow('rejects a NUL byte in a title', { title: 'Mimi\u0000katz' }, invalidInput('createAlertDefinition', ['input.title', 'must not contain control characters'])),
  alertRow('rejects a NUL byte in a comment', { comment: 'seen\u0000twice' }, invalidInput('updateAlert', ['input.comment', 'must not contain control characters'])),
  indicatorRow('rejects a NUL byte in a source', { type: 'FILE_SHA256', value: HEX_64, source: 'feed\u0000' }, 'source', 'must not contain control characters'),
  {
    name: 'rejects a NUL byte in titleContains',
    query: `query ($filter: AlertDefinitionFilter) { alertDefinitions(filter: $filter) { totalCount } }`,
    variables: () => ({ filter: { titleContains: 'Mimi\u0000' } }),
    expected: invalidInput('alertDefinitions', ['filter.titleContains', 'must not contain control characters']),
  },

  // Enum values and types that do not exist
  {
    name: 'rejects the indicator type FILE_SHA512',
    query: `mutation ($id: ID!) { addIndicators(alertDefinitionId: $id, indicators: [{ type: FILE_SHA512, value: "a" }]) { addedCount } }`,
    variables: (stored) => ({ id: stored.definitionId }),
    expected: requestError('GRAPHQL_VALIDATION_FAILED', 'Value "FILE_SHA512" does not exist in "IndicatorType" enum.'),
  },
  {
    name: 'rejects the severity CRITICAL',
    query: `mutation { createAlertDefinition(input: { title: "Critical", severity: CRITICAL, category: Malware }) { id } }`,
    expected: requestError('GRAPHQL_VALIDATION_FAILED', 'Value "CRITICAL" does not exist in "Severity" enum.'),
  },
  {
    name: 'rejects the category Spyware',
    query: `mutation { createAlertDefinition(input: { title: "Spyware", severity: HIGH, category: Spyware }) { id } }`,
    expected: requestError('GRAPHQL_VALIDATION_FAILED', 'Value "Spyware" does not exist in "AlertCategory" enum.'),
  },
  {
    name: 'rejects the match function REGEX',
    query: `mutation ($id: ID!) { addIndicators(alertDefinitionId: $id, indicators: [{ type: URL, value: "http://a.example/", matchFunction: REGEX }]) { addedCount } }`,
    variables: (stored) => ({ id: stored.definitionId }),
    expected: requestError('GRAPHQL_VALIDATION_FAILED', 'Value "REGEX" does not exist in "MatchFunction" enum.'),
  },
  {
    name: 'rejects the alert status CLOSED',
    query: `mutation ($id: ID!) { updateAlert(id: $id, input: { status: CLOSED }) { id } }`,
    variables: (stored) => ({ id: stored.alertId }),
    expected: requestError('GRAPHQL_VALIDATION_FAILED', 'Value "CLOSED" does not exist in "AlertStatus" enum.'),
  },
  definitionRow(
    'rejects an unknown severity in variables',
    { severity: 'CRITICAL' },
    requestError('BAD_USER_INPUT', 'got invalid value "CRITICAL" at "input.severity"; Value "CRITICAL" does not exist in "Severity" enum.'),
  ),
  {
    name: 'rejects an unknown input type',
    query: `query ($filter: NoSuchFilter) { indicators { totalCount } }`,
    expected: requestError('GRAPHQL_VALIDATION_FAILED', 'Unknown type "NoSuchFilter".'),
  },

  // Page sizes and cursors
  { name: 'rejects first: -1', query: LIST_INDICATORS, variables: () => ({ first: -1 }), expected: invalidInput('indicators', ['first', 'must be at least 1.']) },
  { name: 'rejects first: 0', query: LIST_INDICATORS, variables: () => ({ first: 0 }), expected: invalidInput('indicators', ['first', 'must be at least 1.']) },
  { name: 'rejects first: 501', query: LIST_DEFINITIONS, variables: () => ({ first: 501 }), expected: invalidInput('alertDefinitions', ['first', 'must be at most 500; page with "after" for more.']) },
  {
    name: 'rejects first: 1000000 by its cost',
    query: LIST_INDICATORS,
    variables: () => ({ first: 1_000_000 }),
    expected: requestError('GRAPHQL_VALIDATION_FAILED', 'estimated cost is 1000001, over the limit of 25000'),
  },
  {
    name: 'rejects a first beyond 32 bits',
    query: `{ indicators(first: 9999999999) { totalCount } }`,
    expected: requestError('GRAPHQL_VALIDATION_FAILED', 'Int cannot represent non 32-bit signed integer value: 9999999999'),
  },
  {
    name: 'rejects a cursor of random base64',
    query: LIST_DEFINITIONS,
    variables: () => ({ first: 10, after: Buffer.from('not-a-cursor').toString('base64') }),
    expected: invalidInput('alertDefinitions', ['after', 'is not a valid definition cursor; pass a cursor returned by this list or omit "after".']),
  },
  {
    name: 'rejects an indicator cursor for definitions',
    query: LIST_DEFINITIONS,
    variables: (stored) => ({ first: 10, after: stored.indicatorCursor }),
    expected: invalidInput('alertDefinitions', ['after', 'is not a valid definition cursor']),
  },
  {
    name: 'rejects a definition cursor for indicators',
    query: LIST_INDICATORS,
    variables: (stored) => ({ first: 10, after: stored.definitionCursor }),
    expected: invalidInput('indicators', ['after', 'is not a valid indicator cursor']),
  },
  {
    name: 'rejects an alert cursor for definitions',
    query: LIST_DEFINITIONS,
    variables: (stored) => ({ first: 10, after: stored.alertCursor }),
    expected: invalidInput('alertDefinitions', ['after', 'is not a valid definition cursor']),
  },
  {
    name: 'rejects a cursor of 201 characters',
    query: LIST_INDICATORS,
    variables: () => ({ first: 10, after: 'A'.repeat(201) }),
    expected: invalidInput('indicators', ['after', 'must be a cursor returned by this list.']),
  },

  // MITRE techniques, triage rules and ids
  definitionRow('rejects the MITRE id T12', { mitreTechniques: ['T12'] }, invalidInput('createAlertDefinition', ['input.mitreTechniques[0]', 'must be a MITRE ATT&CK technique id such as T1003 or T1003.001; received "T12".'])),
  definitionRow('rejects the MITRE id X1003', { mitreTechniques: ['T1003', 'X1003'] }, invalidInput('createAlertDefinition', ['input.mitreTechniques[1]', 'received "X1003".'])),
  definitionRow('rejects the MITRE id T1003.1', { mitreTechniques: ['T1003.1'] }, invalidInput('createAlertDefinition', ['input.mitreTechniques[0]', 'received "T1003.1".'])),
  alertRow(
    'rejects MALWARE for a false positive',
    { classification: 'FALSE_POSITIVE', determination: 'MALWARE' },
    invalidInput('updateAlert', ['input.determination', 'MALWARE does not fit classification FALSE_POSITIVE; use one of NOT_MALICIOUS, NOT_ENOUGH_DATA_TO_VALIDATE, OTHER.']),
  ),
  alertRow(
    'rejects SECURITY_TESTING for a true positive',
    { classification: 'TRUE_POSITIVE', determination: 'SECURITY_TESTING' },
    invalidInput('updateAlert', ['input.determination', 'SECURITY_TESTING does not fit classification TRUE_POSITIVE']),
  ),
  alertRow('rejects a determination without classification', { determination: 'MALWARE' }, invalidInput('updateAlert', ['input.determination', 'needs a classification; set input.classification as well.'])),
  {
    name: 'returns NOT_FOUND for an SQL-like id',
    query: `mutation ($id: ID!) { updateAlertDefinition(id: $id, input: { severity: LOW }) { id } }`,
    variables: () => ({ id: "x' OR '1'='1" }),
    expected: { code: 'NOT_FOUND', path: ['updateAlertDefinition'], message: 'Alert definition "x\' OR \'1\'=\'1" was not found.' },
  },

  // Events sent through the ingestEvents mutation
  {
    name: 'rejects an observed IP with a port',
    query: INGEST_EVENTS,
    variables: () => ({ events: [nativeEvent('IP_ADDRESS', '10.0.0.1:443')] }),
    expected: invalidInput('ingestEvents', ['events[0].observables[0].value', 'must be an IP address without a port']),
  },
  {
    name: 'rejects a blank deviceId in an event',
    query: INGEST_EVENTS,
    variables: () => ({ events: [nativeEvent('FILE_SHA256', sha256Of(1)), { deviceId: '  ', observables: [] }] }),
    expected: invalidInput('ingestEvents', ['events[1].deviceId', 'must be a non-blank string of at most 256 characters']),
  },
];

// ---------------------------------------------------------------------------
// Raw HTTP requests to /graphql

const JSON_TYPE = { 'content-type': 'application/json' };
const VIEWER_QUERY = JSON.stringify({ query: '{ viewer { role } }' });
const CSRF_RULE = 'This operation has been blocked as a potential Cross-Site Request Forgery (CSRF).';

const HTTP_ROWS: HttpRow[] = [
  {
    name: 'rejects a body that is not JSON',
    method: 'POST',
    headers: JSON_TYPE,
    body: '{"query": ',
    expected: { status: 400, code: 'BAD_REQUEST', message: 'The request body must be a JSON object' },
  },
  { name: 'blocks a text/plain body', method: 'POST', headers: { 'content-type': 'text/plain' }, body: VIEWER_QUERY, expected: { status: 400, code: 'BAD_REQUEST', message: CSRF_RULE } },
  { name: 'blocks a body without content type', method: 'POST', headers: {}, body: VIEWER_QUERY, expected: { status: 400, code: 'BAD_REQUEST', message: CSRF_RULE } },
  {
    name: 'blocks a form-encoded body',
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'query=%7Bviewer%7Brole%7D%7D',
    expected: { status: 400, code: 'BAD_REQUEST', message: CSRF_RULE },
  },
  {
    name: 'blocks a multipart body',
    method: 'POST',
    headers: { 'content-type': 'multipart/form-data; boundary=x' },
    body: '--x\r\nContent-Disposition: form-data; name="query"\r\n\r\n{ viewer { role } }\r\n--x--\r\n',
    expected: { status: 400, code: 'BAD_REQUEST', message: CSRF_RULE },
  },
  {
    name: 'rejects an application/xml body',
    method: 'POST',
    headers: { 'content-type': 'application/xml' },
    body: '<query>{ viewer { role } }</query>',
    expected: { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', message: 'application/json' },
  },
  { name: 'rejects an empty body', method: 'POST', headers: JSON_TYPE, body: '', expected: { status: 400, code: 'BAD_REQUEST', message: 'POST body missing' } },
  { name: 'rejects an empty JSON object', method: 'POST', headers: JSON_TYPE, body: '{}', expected: { status: 400, code: 'BAD_REQUEST', message: 'POST body missing' } },
  {
    name: 'rejects a query that is a number',
    method: 'POST',
    headers: JSON_TYPE,
    body: '{"query": 123}',
    expected: { status: 400, code: 'BAD_REQUEST', message: 'GraphQL queries must be strings.' },
  },
  {
    name: 'rejects variables sent as a string',
    method: 'POST',
    headers: JSON_TYPE,
    body: JSON.stringify({ query: 'query ($first: Int!) { indicators(first: $first) { totalCount } }', variables: '{"first": 1}' }),
    expected: { status: 400, code: 'BAD_REQUEST', message: '`variables` in a POST body should be provided as an object' },
  },
  {
    name: 'rejects a document with a syntax error',
    method: 'POST',
    headers: JSON_TYPE,
    body: JSON.stringify({ query: '{ viewer { role }' }),
    expected: { status: 400, code: 'GRAPHQL_PARSE_FAILED', message: 'Syntax Error: Expected Name, found <EOF>.' },
  },
  {
    name: 'rejects a subscription over HTTP',
    method: 'POST',
    headers: JSON_TYPE,
    body: JSON.stringify({ query: 'subscription { alertRaised { id } }' }),
    expected: { status: 400, code: 'BAD_REQUEST', message: 'Subscriptions are served over the websocket at /graphql' },
  },
  {
    name: 'rejects a Basic Authorization header',
    method: 'POST',
    headers: { ...JSON_TYPE, authorization: 'Basic YWRtaW46YWRtaW4=' },
    body: VIEWER_QUERY,
    expected: { status: 401, code: 'UNAUTHENTICATED', message: 'The Authorization value must be "Bearer <key>".' },
  },
];

// ---------------------------------------------------------------------------
// POST /events

/** A native event line that is valid and matches nothing stored. */
const QUIET_LINE = JSON.stringify(nativeEvent('DOMAIN_NAME', 'quiet.example.net'));

/** Returns an NDJSON body of a valid line followed by `badLine`, so the bad one is line 2. */
function afterQuietLine(badLine: unknown): string {
  return `${QUIET_LINE}\n${typeof badLine === 'string' ? badLine : JSON.stringify(badLine)}\n`;
}

function rejectedSecondLine(rule: string): EventsRow['expected'] {
  return { status: 200, accepted: 1, rejectedLines: [{ line: 2, rule }] };
}

const EVENTS_ROWS: EventsRow[] = [
  {
    name: 'rejects the format csv',
    body: QUIET_LINE,
    query: '?format=csv',
    expected: { status: 400, code: 'BAD_USER_INPUT', message: '"format" must be one of auto, native, sysmon, zeek, ecs' },
  },
  { name: 'rejects an empty body', body: '', expected: { status: 400, code: 'BAD_USER_INPUT', message: 'The request body is empty' } },
  {
    name: 'rejects a body over the limit',
    body: `${QUIET_LINE}\n${' '.repeat(MAX_EVENT_BODY_BYTES)}`,
    expected: { status: 413, code: 'PAYLOAD_TOO_LARGE', message: `The request body exceeds the limit of ${MAX_EVENT_BODY_BYTES} bytes` },
  },
  {
    name: 'rejects a request without a key',
    body: QUIET_LINE,
    key: null,
    expected: { status: 401, code: 'UNAUTHENTICATED', message: 'POST /events needs an API key' },
  },
  {
    name: 'reports a SHA-256 of 3 characters',
    body: afterQuietLine(nativeEvent('FILE_SHA256', 'abc')),
    expected: rejectedSecondLine('"observables[0].value" must be 64 hexadecimal characters for FILE_SHA256; received 3 characters.'),
  },
  {
    name: 'reports an observed IP with a port',
    body: afterQuietLine(nativeEvent('IP_ADDRESS', '192.0.2.10:443')),
    expected: rejectedSecondLine('"observables[0].value" must be an IP address without a port'),
  },
  {
    name: 'reports a URL without a scheme',
    body: afterQuietLine(nativeEvent('URL', 'evil.example.com/x')),
    expected: rejectedSecondLine('"observables[0].value" must be an absolute URL that starts with a scheme'),
  },
  {
    name: 'reports the observable type SHA512',
    body: afterQuietLine({ deviceId: 'ws-1', observables: [{ type: 'SHA512', value: 'abc' }] }),
    expected: rejectedSecondLine('"observables[0].type" must be one of FILE_SHA1, FILE_SHA256, FILE_MD5'),
  },
  {
    name: 'reports a missing deviceId',
    body: afterQuietLine({ observables: [] }),
    expected: rejectedSecondLine('"deviceId" is missing'),
  },
  {
    name: 'reports an eventTime without zone',
    body: afterQuietLine({ deviceId: 'ws-1', eventTime: '2020-09-16T23:39:23', observables: [] }),
    expected: rejectedSecondLine('"eventTime" must be an ISO-8601 date and time with a zone'),
  },
  {
    name: 'reports observables that are a string',
    body: afterQuietLine({ deviceId: 'ws-1', observables: 'FILE_SHA256' }),
    expected: rejectedSecondLine('"observables" must be an array of at most 1000 observables'),
  },
  {
    name: 'reports 1,001 observables',
    body: afterQuietLine({ deviceId: 'ws-1', observables: Array.from({ length: 1001 }, () => ({ type: 'DOMAIN_NAME', value: 'quiet.example.net' })) }),
    expected: rejectedSecondLine('"observables" must be an array of at most 1000 observables'),
  },
  {
    name: 'reports a NUL byte in a deviceId',
    body: () => afterQuietLine(nativeEvent('FILE_SHA256', sha256Of(1), 'ws\u00001.example.net')),
    expected: rejectedSecondLine('"deviceId"'),
  },
  { name: 'reports a line that is not JSON', body: afterQuietLine('{"deviceId": "ws-1",'), expected: rejectedSecondLine('The line is not valid JSON') },
  { name: 'reports a line that is an array', body: afterQuietLine('[1, 2]'), expected: rejectedSecondLine('Each line must be a JSON object; received an array of 2 items.') },
  { name: 'reports a line of no known shape', body: afterQuietLine({ hello: 'world' }), expected: rejectedSecondLine('The event matches no accepted format') },
  {
    name: 'reports a line over 1 MiB',
    body: afterQuietLine({ deviceId: 'ws-1', deviceName: 'x'.repeat(MIB), observables: [] }),
    expected: rejectedSecondLine('but the maximum is 1048576 bytes (1 MiB).'),
  },
  {
    name: 'numbers array items from 1',
    body: JSON.stringify([nativeEvent('DOMAIN_NAME', 'quiet.example.net'), { deviceId: 'ws-1' }, nativeEvent('FILE_MD5', 'abc')]),
    contentType: 'application/json',
    expected: {
      status: 200,
      accepted: 1,
      rejectedLines: [
        { line: 2, rule: '"observables" is missing' },
        { line: 3, rule: '"observables[0].value" must be 32 hexadecimal characters for FILE_MD5; received 3 characters.' },
      ],
    },
  },
];

// ---------------------------------------------------------------------------
// Websocket frames

const ALERT_FEED = `subscription ($filter: AlertFeedFilter, $after: String) { alertRaised(filter: $filter, after: $after) { id } }`;

const WEBSOCKET_ROWS: WebsocketRow[] = [
  {
    name: 'closes a frame over 64 KiB with 1009',
    request: { frames: (key) => [JSON.stringify({ type: 'connection_init', payload: { Authorization: `Bearer ${key}`, padding: 'x'.repeat(65 * 1024) } })] },
    expected: { closeCode: 1009, closeReason: '' },
  },
  {
    name: 'closes a frame that is not JSON',
    request: { frames: () => ['connection_init'] },
    expected: { closeCode: 4400, closeReason: 'Invalid message received' },
  },
  {
    name: 'closes a subscribe before connection_init',
    request: { frames: () => [JSON.stringify({ id: '1', type: 'subscribe', payload: { query: 'subscription { alertRaised { id } }' } })] },
    expected: { closeCode: 4401, closeReason: 'Unauthorized' },
  },
  {
    name: 'closes a connection_init with a bad key',
    request: { frames: () => [JSON.stringify({ type: 'connection_init', payload: { Authorization: 'Bearer not-a-key' } })] },
    expected: { closeCode: 4401, closeReason: 'Invalid or revoked API key' },
  },
  {
    name: 'rejects a subscription with a syntax error',
    request: { subscription: 'subscription { alertRaised { id }' },
    expected: requestError('GRAPHQL_PARSE_FAILED', 'Syntax Error: Expected Name, found <EOF>.'),
  },
  {
    name: 'rejects the severity CRITICAL inline',
    request: { subscription: 'subscription { alertRaised(filter: { minSeverity: CRITICAL }) { id } }' },
    expected: requestError('GRAPHQL_VALIDATION_FAILED', 'Value "CRITICAL" does not exist in "Severity" enum.'),
  },
  {
    name: 'rejects the severity CRITICAL in variables',
    request: { subscription: ALERT_FEED, variables: () => ({ filter: { minSeverity: 'CRITICAL' } }) },
    expected: requestError('BAD_USER_INPUT', 'got invalid value "CRITICAL" at "filter.minSeverity"'),
  },
  {
    name: 'rejects a missing required variable',
    request: { subscription: 'subscription ($filter: AlertFeedFilter!) { alertRaised(filter: $filter) { id } }' },
    expected: requestError('BAD_USER_INPUT', 'Variable "$filter" of required type "AlertFeedFilter!" was not provided.'),
  },
  {
    name: 'rejects a forged alert cursor',
    request: { subscription: ALERT_FEED, variables: () => ({ after: Buffer.from('alert:one').toString('base64url') }) },
    expected: invalidInput('alertRaised', ['after', 'is not a valid alert cursor']),
  },
  {
    name: 'rejects a definition cursor as after',
    request: { subscription: ALERT_FEED, variables: (stored) => ({ after: stored.definitionCursor }) },
    expected: invalidInput('alertRaised', ['after', 'is not a valid alert cursor']),
  },
  {
    name: 'rejects 501 deviceIds at subscribe',
    request: { subscription: ALERT_FEED, variables: () => ({ filter: { deviceIds: Array.from({ length: 501 }, (_, n) => `ws-${n}`) } }) },
    expected: invalidInput('alertRaised', ['filter.deviceIds', 'must contain no more than 500 elements']),
  },
];

// ---------------------------------------------------------------------------
// Helpers

async function storeFixtures(server: TestServer): Promise<StoredData> {
  const definitionId = await createDefinition(server, {
    title: 'Stored definition',
    indicators: [
      { type: 'FILE_SHA256', value: sha256Of(1) },
      { type: 'DOMAIN_NAME', value: 'stored.example.com' },
    ],
  });
  const listed = await server.graphql(`{
    alertDefinitions(first: 1) { edges { cursor } }
    indicators(first: 1) { edges { cursor node { id } } }
  }`);
  const { raised } = await ingest(server, [nativeEvent('FILE_SHA256', sha256Of(1))]);

  return {
    definitionId,
    indicatorId: listed.data.indicators.edges[0].node.id,
    alertId: raised[0].id,
    definitionCursor: listed.data.alertDefinitions.edges[0].cursor,
    indicatorCursor: listed.data.indicators.edges[0].cursor,
    alertCursor: raised[0].cursor,
  };
}

/** Reads every row of the guarded tables, in id order, and the size of the matching index. */
async function readStoredState(server: TestServer): Promise<Record<string, unknown>> {
  const state: Record<string, unknown> = { indexSize: server.sightline.index.size };
  for (const table of GUARDED_TABLES) {
    state[table] = await server.sightline.database.reader.query(`SELECT * FROM ${table} ORDER BY id`);
  }
  return state;
}

/** Reads the code from a GraphQL error body or from the `{ error: { code } }` body of the HTTP layer. */
function errorOf(body: any): { code?: string; message?: string } {
  if (Array.isArray(body?.errors)) return { code: body.errors[0]?.extensions?.code, message: body.errors[0]?.message };
  return { code: body?.error?.code, message: body?.error?.message };
}

/** Asserts the first error. `errors` is undefined when a subscription went live instead. */
function expectGraphqlError(errors: any[] | undefined, expected: ExpectedError): void {
  expect(errors).toBeDefined();
  const [first] = errors ?? [];

  expect(first.extensions?.code).toBe(expected.code);
  expect(first.extensions?.stacktrace).toBeUndefined();
  expect(first.path).toEqual(expected.path);
  if (expected.message !== undefined) expect(first.message).toContain(expected.message);
  if (expected.issues !== undefined) {
    expect(first.extensions?.issues).toEqual(
      expected.issues.map(({ field, rule }) => ({ field, message: expect.stringContaining(rule) })),
    );
    for (const { field } of expected.issues) expect(first.message).toContain(`"${field}"`);
  }
}

/** Sends raw frames and resolves with the close code and reason. */
async function closeAfterFrames(server: TestServer, frames: string[]): Promise<{ code: number; reason: string }> {
  const socket = new WebSocket(`ws://127.0.0.1:${server.sightline.port}/graphql`, 'graphql-transport-ws');
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  for (const frame of frames) socket.send(frame);
  return closed;
}

/**
 * Subscribes and returns the errors the server sent, in an `error` message or
 * in the first result, or undefined once the subscription is live.
 *
 * @throws Error when neither happens within 3 s.
 */
async function subscriptionErrors(server: TestServer, query: string, variables: Record<string, unknown>): Promise<any[] | undefined> {
  const streamsBefore = server.sightline.services.feed.activeStreams;
  let settle: (errors: any[] | undefined) => void = () => undefined;
  const answered = new Promise<any[] | undefined>((resolve) => {
    settle = resolve;
  });
  const unsubscribe = server.wsClient().subscribe(
    { query, variables },
    {
      next: (result) => settle(result.errors ? [...result.errors] : [{ message: 'The subscription sent data.', data: result.data }]),
      error: (error) => settle(Array.isArray(error) ? error : [{ message: `The socket failed: ${String(error)}` }]),
      complete: () => settle([{ message: 'The subscription completed without a result.' }]),
    },
  );
  const live = waitUntil(() => server.sightline.services.feed.activeStreams > streamsBefore, 3000, 'an answer or a live subscription');

  try {
    return await Promise.race([answered, live.then(() => undefined)]);
  } finally {
    unsubscribe();
  }
}

// ---------------------------------------------------------------------------
// Tests

describe('bad input', () => {
  let server: TestServer;
  let stored: StoredData;
  let before: Record<string, unknown>;

  beforeAll(async () => {
    server = await startTestServer({
      env: { MAX_EVENT_BODY_BYTES: String(MAX_EVENT_BODY_BYTES), MAX_GRAPHQL_BODY_BYTES: String(MAX_GRAPHQL_BODY_BYTES) },
    });
    stored = await storeFixtures(server);
  });

  afterAll(async () => {
    await server.stop();
  });

  beforeEach(async () => {
    before = await readStoredState(server);
  });

  afterEach(async () => {
    expect(await readStoredState(server)).toEqual(before);
  });

  describe('GraphQL arguments', () => {
    it.each(GRAPHQL_ROWS)('$name', async (row) => {
      const response = await server.graphql(row.query, row.variables?.(stored));

      expect(response.data ?? null).toBeNull();
      expectGraphqlError(response.errors, row.expected);
    });
  });

  describe('HTTP requests to /graphql', () => {
    it.each(HTTP_ROWS)('$name', async (row) => {
      const response = await fetch(`${server.baseUrl}/graphql`, {
        method: row.method,
        headers: { authorization: `Bearer ${server.adminKey}`, ...row.headers },
        body: row.body,
      });
      const body = (await response.json()) as { data?: unknown };

      expect(response.status).toBe(row.expected.status);
      expect(errorOf(body).code).toBe(row.expected.code);
      expect(errorOf(body).message).toContain(row.expected.message);
      expect(body.data ?? null).toBeNull();
    });
  });

  describe('POST /events', () => {
    it.each(EVENTS_ROWS)('$name', async (row) => {
      const body = typeof row.body === 'function' ? row.body(stored) : row.body;
      const key = row.key === null ? null : server.adminKey;
      const response = await postEvents(server, body, row.query, row.contentType, key);

      expect(response.status).toBe(row.expected.status);
      if ('code' in row.expected) {
        expect(response.body).toEqual({ error: { code: row.expected.code, message: expect.stringContaining(row.expected.message) } });
        return;
      }
      expect(response.body).toMatchObject({
        accepted: row.expected.accepted,
        rejected: row.expected.rejectedLines.length,
        matched: 0,
        alertsRaised: 0,
        alertsUpdated: 0,
      });
      expect(response.body.rejectedLines).toEqual(
        row.expected.rejectedLines.map(({ line, rule }) => ({ line, reason: expect.stringContaining(rule) })),
      );
    });
  });

  describe('websocket frames', () => {
    it.each(WEBSOCKET_ROWS)('$name', async (row) => {
      if ('frames' in row.request) {
        const closed = await closeAfterFrames(server, row.request.frames(server.adminKey));

        expect(closed).toEqual({ code: (row.expected as { closeCode: number }).closeCode, reason: expect.stringContaining((row.expected as { closeReason: string }).closeReason) });
        return;
      }

      const errors = await subscriptionErrors(server, row.request.subscription, row.request.variables?.(stored) ?? {});
      expectGraphqlError(errors, row.expected as ExpectedError);
    });
  });
});
