import { Session } from 'node:inspector/promises';

/**
 * Sorts the samples of a V8 CPU profile of the server into the stages of
 * delivering one alert to one subscriber, so the benchmark can report where
 * the server's time goes.
 */

/** The parts of a `.cpuprofile` this summary reads (Chrome DevTools protocol, `Profiler.Profile`). */
interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string }; children?: number[] }>;
  samples: number[];
  /** Microseconds between consecutive samples. The first is measured from the profile's start. */
  timeDeltas: number[];
}

/** CPU time by stage, and the functions with the most self time. */
export interface ProfileSummary {
  /** Sampled time the thread was not idle, in milliseconds. */
  busyMs: number;
  stages: Array<{ stage: string; ms: number }>;
  hottest: Array<{ name: string; ms: number }>;
}

/**
 * Stages, checked in this order. A sample counts for the first stage whose
 * test any frame of its stack passes, or only its innermost frame with `leafOnly`.
 */
const STAGES: Array<{ stage: string; leafOnly?: boolean; test: (frame: { functionName: string; url: string }) => boolean }> = [
  {
    stage: 'ingest (HTTP, matching, SQL)',
    test: ({ url }) => /\/node_modules\/(express|body-parser|router|typeorm|sqlite3|pg)\/|\/dist\/src\/(ingest|services|matching|persistence|server\/events)/.test(url),
  },
  {
    stage: 'GraphQL execute and resolvers',
    test: ({ url }) => /\/node_modules\/(graphql|type-graphql|graphql-scalars)\/|\/dist\/src\/graphql\//.test(url),
  },
  { stage: 'JSON.stringify of frames', test: ({ functionName }) => functionName === 'stringify' || functionName === 'stringifyMessage' },
  // V8 runs promise reactions and async generator resumptions in this builtin. Its self time is the cost of the awaits between stages.
  { stage: 'promise jobs between stages', leafOnly: true, test: ({ functionName }) => functionName === 'runMicrotasks' },
  {
    stage: 'ws framing and socket writes',
    test: ({ functionName, url }) => url.includes('/node_modules/ws/') || /^(writev|writeGeneric|writeUtf8String|writeBuffer|writevGeneric)$/.test(functionName),
  },
  { stage: 'graphql-ws protocol', test: ({ url }) => url.includes('/node_modules/graphql-ws/') },
  {
    stage: 'pub/sub and alert streams',
    test: ({ url }) => /\/node_modules\/(@graphql-yoga|@repeaterjs|@whatwg-node)\/|\/dist\/src\/(feed|cluster)\//.test(url),
  },
];

/** Profiles this process until the returned function is called, which returns the summary. */
export async function startProfiling(): Promise<() => Promise<ProfileSummary>> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return async () => {
    const { profile } = await session.post('Profiler.stop');
    session.disconnect();
    return summarizeProfile(profile as unknown as CpuProfile);
  };
}

export function summarizeProfile(profile: CpuProfile): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);

  const stageMs = new Map<string, number>();
  const selfMs = new Map<string, number>();
  let busyMs = 0;
  for (let index = 0; index < profile.samples.length; index += 1) {
    // A sample lasts until the next one. The last sample gets the length of the one before it.
    const ms = (profile.timeDeltas[index + 1] ?? profile.timeDeltas[index] ?? 0) / 1000;
    const leaf = byId.get(profile.samples[index]);
    if (!leaf || leaf.callFrame.functionName === '(idle)') continue;
    busyMs += ms;

    const stage = stageOf(leaf.id, byId, parentOf);
    stageMs.set(stage, (stageMs.get(stage) ?? 0) + ms);
    const name = `${leaf.callFrame.functionName || '(anonymous)'} ${shortUrl(leaf.callFrame.url)}`.trim();
    selfMs.set(name, (selfMs.get(name) ?? 0) + ms);
  }

  const sorted = (map: Map<string, number>) => [...map.entries()].sort((a, b) => b[1] - a[1]);
  return {
    busyMs,
    stages: sorted(stageMs).map(([stage, ms]) => ({ stage, ms })),
    hottest: sorted(selfMs).slice(0, 12).map(([name, ms]) => ({ name, ms })),
  };
}

function stageOf(leafId: number, byId: Map<number, CpuProfile['nodes'][number]>, parentOf: Map<number, number>): string {
  const leaf = byId.get(leafId)!;
  if (leaf.callFrame.functionName === '(garbage collector)') return 'garbage collection';

  const stack: Array<{ functionName: string; url: string }> = [];
  for (let id: number | undefined = leafId; id !== undefined; id = parentOf.get(id)) stack.push(byId.get(id)!.callFrame);
  for (const { stage, leafOnly, test } of STAGES) {
    if (leafOnly ? test(leaf.callFrame) : stack.some(test)) return stage;
  }
  return leaf.callFrame.url.startsWith('node:') ? 'other Node.js internals' : 'other';
}

/** Shortens a script URL to the part after `node_modules/` or `dist/`, which names the package or source file. */
function shortUrl(url: string): string {
  const match = /(?:node_modules|dist)\/(.*)$/.exec(url);
  return match ? match[1] : url;
}
