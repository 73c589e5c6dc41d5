/**
 * Guard rails of both transports. The operation limits (depth 12, 20
 * aliases, estimated cost 25,000, 10,000 tokens) are proven on HTTP and on
 * the websocket. The other tests cover HTTP body and batching rules,
 * websocket connection rules, production hardening, the landing page, CSRF
 * prevention and rate limits.
 */
import { Lexer, Source, TokenKind } from 'graphql';
import WebSocket from 'ws';

import { Role } from '../../src/domain/roles';
import { createDefinition, ingest, nativeEvent, sha256Of } from '../helpers/fixtures';
import { postEvents, startTestServer, waitUntil, type TestServer } from '../helpers/test-server';

const MAX_GRAPHQL_BODY_BYTES = 128 * 1024;

/** Nests `levels` rounds of indicators → nodes → alertDefinition around `innermost`. Each round adds 3 to the depth. */
function nestedIndicators(levels: number, innermost = 'id'): string {
  let selection = innermost;
  for (let level = 0; level < levels; level += 1) {
    selection = `indicators(first: 1) { nodes { alertDefinition { ${selection} } } }`;
  }
  return selection;
}

/** Returns a query of depth 12 with `id` innermost, or of depth 13 with `indicators { totalCount }` innermost. */
function queryOfDepth(depth: 12 | 13): string {
  const innermost = depth === 12 ? 'id' : 'indicators(first: 1) { totalCount }';
  return `{ alertDefinitions(first: 1) { nodes { ${nestedIndicators(3, innermost)} } } }`;
}

function subscriptionOfDepth(depth: 12 | 13): string {
  const innermost = depth === 12 ? 'id' : 'indicators(first: 1) { totalCount }';
  return `subscription { alertRaised { alertDefinition { ${nestedIndicators(3, innermost)} } } }`;
}

/** Counts the lexical tokens of a document as the parser's `maxTokens` option does, without <SOF> and <EOF>. */
function countTokens(document: string): number {
  const lexer = new Lexer(new Source(document));
  let count = 0;
  while (lexer.advance().kind !== TokenKind.EOF) count += 1;
  return count;
}

/**
 * Builds a document of exactly `tokens` tokens (8 or more): the operation
 * `Target`, with up to 7 extra fields, followed by padding queries of 8 tokens each.
 */
function documentOfTokens(kind: 'query' | 'subscription', tokens: number): string {
  const paddingOperations = Math.floor((tokens - 8) / 8);
  const extraFields = tokens - 8 - paddingOperations * 8;
  const target =
    kind === 'query'
      ? `query Target { viewer { role ${'role '.repeat(extraFields)}} }`
      : `subscription Target { alertRaised { id ${'id '.repeat(extraFields)}} }`;
  const padding = Array.from({ length: paddingOperations }, (_, n) => `query Padding${n} { viewer { role } }`);
  return [target, ...padding].join('\n');
}

function aliased(count: number, selection: string): string {
  return Array.from({ length: count }, (_, n) => `a${n}: ${selection}`).join(' ');
}

/** Sends a raw request to /graphql and returns the status, headers and parsed or raw body. */
async function requestGraphql(server: TestServer, init: RequestInit & { path?: string }) {
  const response = await fetch(`${server.baseUrl}${init.path ?? '/graphql'}`, init);
  const text = await response.text();
  const isJson = response.headers.get('content-type')?.includes('application/json') ?? false;
  return { status: response.status, headers: response.headers, text, body: isJson ? JSON.parse(text) : undefined };
}

/** POSTs `query` with `operationName` as the ADMIN key. */
function postOperation(server: TestServer, query: string, operationName: string) {
  return requestGraphql(server, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${server.adminKey}` },
    body: JSON.stringify({ query, operationName }),
  });
}

/**
 * Subscribes and returns the errors the server sent, in an `error` message or
 * in the first result, or undefined once the subscription is live.
 *
 * @throws Error when neither happens within 3 s.
 */
async function subscriptionErrors(
  server: TestServer,
  query: string,
  variables: Record<string, unknown> = {},
  operationName?: string,
): Promise<any[] | undefined> {
  const streamsBefore = server.sightline.services.feed.activeStreams;
  let settle: (errors: any[] | undefined) => void = () => undefined;
  const answered = new Promise<any[] | undefined>((resolve) => {
    settle = resolve;
  });
  const unsubscribe = server.wsClient().subscribe(
    { query, variables, operationName },
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

/** Opens a raw graphql-transport-ws socket and resolves once it is open. */
async function openSocket(server: TestServer): Promise<WebSocket> {
  const socket = new WebSocket(`ws://127.0.0.1:${server.sightline.port}/graphql`, 'graphql-transport-ws');
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  return socket;
}

function definitionCount(server: TestServer): Promise<number> {
  return server.graphql(`{ alertDefinitions { totalCount } }`).then((response) => response.data.alertDefinitions.totalCount);
}

describe('guard rails in development', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ env: { MAX_GRAPHQL_BODY_BYTES: String(MAX_GRAPHQL_BODY_BYTES) } });
  });

  afterAll(async () => {
    await server.stop();
  });

  describe('depth limit', () => {
    it('accepts depth 12 over HTTP', async () => {
      const response = await server.graphql(queryOfDepth(12));

      expect(response.errors).toBeUndefined();
      expect(response.data.alertDefinitions).toEqual({ nodes: [] });
    });

    it('rejects depth 13 over HTTP', async () => {
      const response = await server.graphql(queryOfDepth(13));

      expect(response.status).toBe(400);
      expect(response.errors).toEqual([
        { message: 'Query depth limit of 12 exceeded, found 13.', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } },
      ]);
    });

    it('accepts depth 12 over the websocket', async () => {
      expect(await subscriptionErrors(server, subscriptionOfDepth(12))).toBeUndefined();
    });

    it('rejects depth 13 over the websocket', async () => {
      const errors = await subscriptionErrors(server, subscriptionOfDepth(13));

      expect(errors).toEqual([
        { message: 'Query depth limit of 12 exceeded, found 13.', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } },
      ]);
    });
  });

  describe('alias limit', () => {
    it('accepts 20 aliases over HTTP', async () => {
      const response = await server.graphql(`{ ${aliased(20, 'viewer { role }')} }`);

      expect(response.errors).toBeUndefined();
      expect(Object.keys(response.data)).toHaveLength(20);
    });

    it('rejects 21 aliases over HTTP', async () => {
      const response = await server.graphql(`{ ${aliased(21, 'viewer { role }')} }`);

      expect(response.status).toBe(400);
      expect(response.errors).toEqual([
        { message: 'Aliases limit of 20 exceeded, found 21.', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } },
      ]);
    });

    it('accepts 20 aliases over the websocket', async () => {
      expect(await subscriptionErrors(server, `subscription { alertRaised { ${aliased(20, 'id')} } }`)).toBeUndefined();
    });

    it('rejects 21 aliases over the websocket', async () => {
      const errors = await subscriptionErrors(server, `subscription { alertRaised { ${aliased(21, 'id')} } }`);

      expect(errors).toEqual([
        { message: 'Aliases limit of 20 exceeded, found 21.', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } },
      ]);
    });
  });

  describe('cost limit', () => {
    it('accepts 100 definitions of 100 indicators', async () => {
      // Estimated cost: 1 + 100 × (1 + (1 + 100 × 2)) = 20,201.
      const response = await server.graphql(`{ alertDefinitions(first: 100) { nodes { indicators(first: 100) { nodes { id } } } } }`);

      expect(response.errors).toBeUndefined();
    });

    it('rejects 500 definitions of 500 indicators', async () => {
      const response = await server.graphql(`{ alertDefinitions(first: 500) { nodes { indicators(first: 500) { nodes { id } } } } }`);

      expect(response.status).toBe(400);
      expect(response.data).toBeUndefined();
      expect(response.errors).toEqual([
        {
          message: `The operation's estimated cost is 501001, over the limit of 25000; request smaller pages (a lower "first") or fewer fields.`,
          extensions: { code: 'GRAPHQL_VALIDATION_FAILED', cost: 501001, maxCost: 25000 },
        },
      ]);
    });

    it('rejects the same cost over the websocket', async () => {
      const errors = await subscriptionErrors(
        server,
        `subscription { alertRaised { alertDefinition { indicators(first: 500) { nodes {
          alertDefinition { indicators(first: 500) { nodes { id } } }
        } } } } }`,
      );

      expect(errors).toHaveLength(1);
      expect(errors?.[0].message).toContain('over the limit of 25000; request smaller pages');
      expect(errors?.[0].extensions).toEqual({ code: 'GRAPHQL_VALIDATION_FAILED', cost: expect.any(Number), maxCost: 25000 });
      expect(errors?.[0].extensions.cost).toBeGreaterThan(25_000);
    });
  });

  describe('token limit', () => {
    // Padding operations avoid repeated fields, because graphql-js 16.15 already aborts its overlap check for 1,000 of them.
    it('counts the test documents exactly', () => {
      expect(countTokens(documentOfTokens('query', 10_000))).toBe(10_000);
      expect(countTokens(documentOfTokens('query', 10_001))).toBe(10_001);
      expect(countTokens(documentOfTokens('subscription', 10_000))).toBe(10_000);
      expect(countTokens(documentOfTokens('subscription', 10_001))).toBe(10_001);
    });

    it('accepts 10,000 tokens over HTTP', async () => {
      const response = await postOperation(server, documentOfTokens('query', 10_000), 'Target');

      expect(response.status).toBe(200);
      expect(response.body).toEqual({ data: { viewer: { role: 'ADMIN' } } });
    });

    it('rejects 10,001 tokens over HTTP', async () => {
      const response = await postOperation(server, documentOfTokens('query', 10_001), 'Target');

      expect(response.status).toBe(400);
      expect(response.body.errors).toHaveLength(1);
      expect(response.body.errors[0].extensions).toEqual({ code: 'GRAPHQL_PARSE_FAILED' });
      expect(response.body.errors[0].message).toContain('10000 tokens. Parsing aborted.');
    });

    it('accepts 10,000 tokens over the websocket', async () => {
      expect(await subscriptionErrors(server, documentOfTokens('subscription', 10_000), {}, 'Target')).toBeUndefined();
    });

    it('rejects 10,001 tokens over the websocket', async () => {
      const errors = await subscriptionErrors(server, documentOfTokens('subscription', 10_001), {}, 'Target');

      expect(errors).toHaveLength(1);
      expect(errors?.[0].extensions).toEqual({ code: 'GRAPHQL_PARSE_FAILED' });
      expect(errors?.[0].message).toContain('10000 tokens. Parsing aborted.');
    });
  });

  describe('HTTP requests', () => {
    it('rejects a batch of operations', async () => {
      const operation = { query: '{ viewer { role } }' };
      const response = await requestGraphql(server, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${server.adminKey}` },
        body: JSON.stringify([operation, operation]),
      });

      expect(response.status).toBe(400);
      expect(response.body).toEqual({ errors: [{ message: 'Operation batching disabled.', extensions: { code: 'BAD_REQUEST' } }] });
    });

    it('accepts a body just under the limit', async () => {
      const body = JSON.stringify({ query: '{ viewer { role } }', variables: { padding: 'x'.repeat(MAX_GRAPHQL_BODY_BYTES - 100) } });
      const response = await requestGraphql(server, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${server.adminKey}` },
        body,
      });

      expect(Buffer.byteLength(body)).toBeLessThanOrEqual(MAX_GRAPHQL_BODY_BYTES);
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ data: { viewer: { role: 'ADMIN' } } });
    });

    it('returns 413 for a body over the limit', async () => {
      const body = JSON.stringify({ query: '{ viewer { role } }', variables: { padding: 'x'.repeat(MAX_GRAPHQL_BODY_BYTES) } });
      const response = await requestGraphql(server, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${server.adminKey}` },
        body,
      });

      expect(response.status).toBe(413);
      expect(response.body).toEqual({
        errors: [
          {
            message: `The request body exceeds the limit of ${MAX_GRAPHQL_BODY_BYTES} bytes; split it into smaller requests.`,
            extensions: { code: 'PAYLOAD_TOO_LARGE' },
          },
        ],
      });
    });
  });

  describe('websocket connections', () => {
    it('closes a socket without connection_init after 3 s', async () => {
      const socket = await openSocket(server);
      const openedAt = Date.now();
      const closed = await new Promise<{ code: number; reason: string }>((resolve) =>
        socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
      );
      const elapsed = Date.now() - openedAt;

      expect(closed).toEqual({ code: 4408, reason: 'Connection initialisation timeout' });
      expect(elapsed).toBeGreaterThanOrEqual(2900);
      expect(elapsed).toBeLessThan(4500);
    });

    it('rejects a query over the websocket', async () => {
      const errors = await subscriptionErrors(server, `{ alertDefinitions { totalCount } }`);

      expect(errors).toEqual([
        {
          message: 'Only subscriptions are accepted over the websocket; send queries and mutations with POST /graphql.',
          extensions: { code: 'BAD_REQUEST' },
        },
      ]);
    });

    it('rejects a mutation over the websocket', async () => {
      const before = await definitionCount(server);
      const errors = await subscriptionErrors(
        server,
        `mutation { createAlertDefinition(input: { title: "Over the websocket", severity: HIGH, category: Malware }) { id } }`,
      );

      expect(errors).toEqual([
        {
          message: 'Only subscriptions are accepted over the websocket; send queries and mutations with POST /graphql.',
          extensions: { code: 'BAD_REQUEST' },
        },
      ]);
      expect(await definitionCount(server)).toBe(before);
    });
  });

  describe('landing page and CSRF prevention', () => {
    it('shows Apollo Sandbox in development', async () => {
      const response = await requestGraphql(server, { method: 'GET', headers: { accept: 'text/html' } });

      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('text/html');
      expect(response.text).toContain('new window.EmbeddedSandbox(');
    });

    it('blocks a GET query without a preflight header', async () => {
      const response = await requestGraphql(server, {
        path: `/graphql?query=${encodeURIComponent('{ viewer { role } }')}`,
        method: 'GET',
        headers: { authorization: `Bearer ${server.adminKey}` },
      });

      expect(response.status).toBe(400);
      expect(response.body.errors).toHaveLength(1);
      expect(response.body.errors[0].extensions).toEqual({ code: 'BAD_REQUEST' });
      expect(response.body.errors[0].message).toContain('blocked as a potential Cross-Site Request Forgery (CSRF)');
      expect(response.body.data).toBeUndefined();
    });

    it('allows a GET query with apollo-require-preflight', async () => {
      const response = await requestGraphql(server, {
        path: `/graphql?query=${encodeURIComponent('{ viewer { role } }')}`,
        method: 'GET',
        headers: { authorization: `Bearer ${server.adminKey}`, 'apollo-require-preflight': 'true' },
      });

      expect(response.status).toBe(200);
      expect(response.body).toEqual({ data: { viewer: { role: 'ADMIN' } } });
    });

    it('rejects a GET mutation despite preflight', async () => {
      const before = await definitionCount(server);
      const mutation = 'mutation { createAlertDefinition(input: { title: "Over GET", severity: HIGH, category: Malware }) { id } }';
      const response = await requestGraphql(server, {
        path: `/graphql?query=${encodeURIComponent(mutation)}`,
        method: 'GET',
        headers: { authorization: `Bearer ${server.adminKey}`, 'apollo-require-preflight': 'true' },
      });

      expect(response.status).toBe(405);
      expect(response.body.errors[0].extensions.code).toBe('BAD_REQUEST');
      expect(response.body.errors[0].message).toContain('GET requests only support query operations, not mutation operations');
      expect(await definitionCount(server)).toBe(before);
    });

    it('suggests field names in development', async () => {
      const response = await server.graphql(`{ alertDefinitionz { totalCount } }`);

      expect(response.errors?.[0].message).toBe(
        'Cannot query field "alertDefinitionz" on type "Query". Did you mean "alertDefinition" or "alertDefinitions"?',
      );
    });
  });
});

describe('guard rails in production', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ env: { NODE_ENV: 'production' } });
  });

  afterAll(async () => {
    await server.stop();
  });

  it('rejects introspection over HTTP', async () => {
    for (const query of ['{ __schema { queryType { name } } }', '{ __type(name: "Query") { name } }']) {
      const response = await server.graphql(query);

      expect(response.status).toBe(400);
      expect(response.data).toBeUndefined();
      expect(response.errors?.length).toBeGreaterThan(0);
      expect(response.errors?.map((error) => error.extensions?.code)).toEqual(response.errors?.map(() => 'GRAPHQL_VALIDATION_FAILED'));
      expect(response.errors?.map((error) => error.message).join('\n')).toContain('GraphQL introspection has been disabled');
    }
  });

  it('rejects introspection over the websocket', async () => {
    const errors = await subscriptionErrors(server, '{ __schema { queryType { name } } }');

    expect(errors?.[0]).toMatchObject({
      message: 'GraphQL introspection has been disabled, but the requested query contained the field "__schema".',
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
    });
  });

  it.each([
    ['an unknown field', '{ alertDefinitionz { totalCount } }', 'Cannot query field "alertDefinitionz" on type "Query".'],
    ['an unknown argument', '{ indicators(firts: 1) { totalCount } }', 'Unknown argument "firts" on field "Query.indicators".'],
    [
      'an unknown enum value',
      'mutation { createAlertDefinition(input: { title: "x", severity: HIHG, category: Malware }) { id } }',
      'Value "HIHG" does not exist in "Severity" enum.',
    ],
    [
      'an unknown input field',
      '{ indicators(filter: { typez: [URL] }) { totalCount } }',
      'Field "typez" is not defined by type "IndicatorFilter".',
    ],
  ])('hides suggestions for %s over HTTP', async (_case, query, message) => {
    const response = await server.graphql(query);

    expect(response.status).toBe(400);
    expect(response.errors?.[0]).toMatchObject({ message, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
    expect(JSON.stringify(response.errors)).not.toContain('Did you mean');
  });

  it('hides suggestions in variable errors over HTTP', async () => {
    const response = await server.graphql(
      'mutation ($input: AlertDefinitionInput!) { createAlertDefinition(input: $input) { id } }',
      { input: { title: 'x', severity: 'HIHG', category: 'Malware' } },
    );

    expect(response.errors?.[0]).toMatchObject({
      message: 'Variable "$input" got invalid value "HIHG" at "input.severity"; Value "HIHG" does not exist in "Severity" enum.',
      extensions: { code: 'BAD_USER_INPUT' },
    });
  });

  it.each([
    ['an unknown field', 'subscription { alertRaised { idd } }', 'Cannot query field "idd" on type "Alert".'],
    [
      'an unknown enum value',
      'subscription { alertRaised(filter: { minSeverity: HIHG }) { id } }',
      'Value "HIHG" does not exist in "Severity" enum.',
    ],
    [
      'an unknown input field',
      'subscription { alertRaised(filter: { minSeverty: HIGH }) { id } }',
      'Field "minSeverty" is not defined by type "AlertFeedFilter".',
    ],
  ])('hides suggestions for %s over the websocket', async (_case, query, message) => {
    const errors = await subscriptionErrors(server, query);

    expect(errors?.[0]).toMatchObject({ message, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
    expect(JSON.stringify(errors)).not.toContain('Did you mean');
  });

  it('sends no stacktrace on either transport', async () => {
    const responses: unknown[] = [
      await server.graphql('{ viewer { role }'),
      await server.graphql('{ alertDefinitionz { totalCount } }'),
      await server.graphql('{ indicators(first: 0) { totalCount } }'),
      await server.graphql('{ alert(id: "01a24000-0000-7000-8000-000000000000") { id } }'),
      await server.graphql('{ viewer { role } }', undefined, { key: 'not-a-key' }),
      await server.graphql('{ alerts { totalCount } }', undefined, { key: null }),
      await subscriptionErrors(server, 'subscription { alertRaised { id }'),
      await subscriptionErrors(server, '{ viewer { role } }'),
      await subscriptionErrors(server, 'subscription { alertRaised(after: "Zm9yZ2Vk") { id } }'),
    ];

    for (const response of responses) {
      expect(response).toBeDefined();
      expect(JSON.stringify(response)).not.toContain('stacktrace');
    }
  });

  it('shows no Apollo Sandbox in production', async () => {
    const response = await requestGraphql(server, { method: 'GET', headers: { accept: 'text/html' } });

    expect(response.status).toBe(200);
    expect(response.text).not.toContain('EmbeddedSandbox');
    expect(response.text).not.toContain('embeddableSandbox');
  });

  describe('internal errors', () => {
    let broken: TestServer;
    let cursor: string;

    beforeAll(async () => {
      broken = await startTestServer({ env: { NODE_ENV: 'production' } });
      await createDefinition(broken, { indicators: [{ type: 'FILE_SHA256', value: sha256Of(1) }] });
      const { raised } = await ingest(broken, [nativeEvent('FILE_SHA256', sha256Of(1)), nativeEvent('FILE_SHA256', sha256Of(1), 'b.example.net')]);
      cursor = raised[0].cursor;
      await broken.sightline.database.writer.query('DROP TABLE alert_comment');
      await broken.sightline.database.writer.query('DROP TABLE alert');
    });

    afterAll(async () => {
      await broken.stop();
    });

    /** Fragments of database errors, SQL and source paths that must never reach a client. */
    const INTERNAL_DETAILS = ['SELECT', 'no such table', 'does not exist', 'SQLITE', 'QueryFailedError', 'node_modules', '/src/', '.ts:'];

    it('hides the cause of a failed query', async () => {
      const response = await broken.graphql('{ alerts { totalCount nodes { id } } }');

      expect(response.data ?? null).toBeNull();
      expect(response.errors).toEqual([
        {
          message: 'Internal server error.',
          locations: [{ line: 1, column: 3 }],
          path: ['alerts'],
          extensions: { code: 'INTERNAL_SERVER_ERROR' },
        },
      ]);
      for (const detail of INTERNAL_DETAILS) expect(JSON.stringify(response)).not.toContain(detail);
      if (broken.dbPath) expect(JSON.stringify(response)).not.toContain(broken.dbPath);
      expect(broken.logs).toContainEqual(expect.objectContaining({ level: 50, msg: 'unexpected error while executing an operation' }));
    });

    it('hides the cause of a failed replay', async () => {
      const errors = await subscriptionErrors(broken, 'subscription ($after: String) { alertRaised(after: $after) { id } }', { after: cursor });

      expect(errors).toEqual([{ message: 'Internal server error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }]);
      for (const detail of INTERNAL_DETAILS) expect(JSON.stringify(errors)).not.toContain(detail);
    });
  });
});

describe('rate limits', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({ env: { RATE_LIMIT_MUTATIONS_PER_MINUTE: '3', RATE_LIMIT_INGEST_PER_MINUTE: '2' } });
  });

  afterAll(async () => {
    await server.stop();
  });

  const createDefinitionAs = (key: string, title: string) =>
    server.graphql(`mutation ($title: String!) { createAlertDefinition(input: { title: $title, severity: LOW, category: Malware }) { id } }`, { title }, { key });
  const quietEvent = JSON.stringify(nativeEvent('DOMAIN_NAME', 'quiet.example.net'));

  it('rate-limits the 4th mutation', async () => {
    const key = await server.createKey(Role.ANALYST);
    for (let n = 1; n <= 3; n += 1) {
      const allowed = await createDefinitionAs(key, `Limited ${n}`);
      expect(allowed.errors).toBeUndefined();
    }
    const before = await definitionCount(server);

    const limited = await createDefinitionAs(key, 'Limited 4');

    expect(limited.status).toBe(429);
    expect(limited.data ?? null).toBeNull();
    expect(limited.errors).toHaveLength(1);
    expect(limited.errors?.[0].extensions?.code).toBe('RATE_LIMITED');
    expect(limited.errors?.[0].message).toContain('Rate limit for mutations exceeded; retry after');
    expect(limited.errors?.[0].extensions?.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(limited.errors?.[0].extensions?.retryAfterSeconds).toBeLessThanOrEqual(60);
    expect(await definitionCount(server)).toBe(before);
  });

  it('returns 429 to the 3rd POST /events', async () => {
    const key = await server.createKey(Role.INGEST);
    expect((await postEvents(server, quietEvent, '', 'application/x-ndjson', key)).status).toBe(200);
    expect((await postEvents(server, quietEvent, '', 'application/x-ndjson', key)).status).toBe(200);

    const response = await fetch(`${server.baseUrl}/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson', authorization: `Bearer ${key}` },
      body: quietEvent,
    });
    const retryAfter = Number(response.headers.get('retry-after'));

    expect(response.status).toBe(429);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(await response.json()).toEqual({
      error: { code: 'RATE_LIMITED', message: expect.stringContaining('Rate limit for event ingestion exceeded') },
    });
  });

  it('counts ingestEvents against the ingestion budget', async () => {
    const key = await server.createKey(Role.ANALYST);
    const ingestAs = () =>
      server.graphql(`mutation ($events: [EventInput!]!) { ingestEvents(events: $events) { accepted } }`, { events: [nativeEvent('DOMAIN_NAME', 'quiet.example.net')] }, { key });
    expect((await ingestAs()).errors).toBeUndefined();
    expect((await ingestAs()).errors).toBeUndefined();

    const limited = await ingestAs();
    const events = await postEvents(server, quietEvent, '', 'application/x-ndjson', key);

    expect(limited.errors?.[0].extensions?.code).toBe('RATE_LIMITED');
    expect(limited.errors?.[0].message).toContain('Rate limit for event ingestion exceeded');
    expect(events.status).toBe(429);
    expect(events.body.error.code).toBe('RATE_LIMITED');
  });

  it('keeps a separate budget per key', async () => {
    const spent = await server.createKey(Role.ANALYST);
    const fresh = await server.createKey(Role.ANALYST);
    for (let n = 1; n <= 4; n += 1) await createDefinitionAs(spent, `Spent ${n}`);
    for (let n = 1; n <= 3; n += 1) await postEvents(server, quietEvent, '', 'application/x-ndjson', spent);

    const mutation = await createDefinitionAs(fresh, 'Fresh 1');
    const events = await postEvents(server, quietEvent, '', 'application/x-ndjson', fresh);

    expect((await createDefinitionAs(spent, 'Spent 5')).errors?.[0].extensions?.code).toBe('RATE_LIMITED');
    expect(mutation.errors).toBeUndefined();
    expect(mutation.data.createAlertDefinition.id).toEqual(expect.any(String));
    expect(events.status).toBe(200);
    expect(events.body.accepted).toBe(1);
  });
});
