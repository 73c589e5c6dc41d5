import fs from 'node:fs';
import path from 'node:path';

import { EVENT_FIXTURES_DIR, readZipEntries } from '../fixtures/events/read-fixture';
import { postEvents, startTestServer, subscribe, waitUntil, type TestServer } from '../helpers/test-server';

/** Mimikatz (gentilkiwi) and Sysinternals PsExec, as hashed by Sysmon in the OTRF datasets. */
const TOOL_HASHES = {
  FILE_SHA1: ['36B4981922677FB0BDAA7CF449B135ECF469DF8F', 'E50D9E3BD91908E13A26B3E23EDEAF577FB3A095'],
  FILE_MD5: ['9996419693CE040DFABE63E08DC0251B', '27304B246C7D5B4E149124D5F93C5B01'],
  FILE_SHA256: [
    '9D2FD8BEE1CE0A26AF22B702F79B4BC29B936891F49AFEBC2917D890F65D3008',
    '3337E3875B05E0BFBA69AB926532E3F179E8CFBF162EBB60CE58A0281437A7EF',
  ],
};
/** The IMPHASH Sysmon recorded for mimikatz.exe; as an MD5 indicator it must never match. */
const MIMIKATZ_IMPHASH = '2C4D4F847C9CD14D1117B7C7D395C097';

const MORDOR = path.join(EVENT_FIXTURES_DIR, 'mordor');
const TOOL_DATASETS = ['mimikatz_CVE-2020-1472_Unauthenticated_NetrServerAuthenticate2.zip', 'cmd_psexec_lsa_secrets_dump.zip'];
const OTHER_DATASETS = [
  'cmd_process_herpaderping_mimiexplorer.zip',
  'cmd_lsass_memory_dumpert_syscalls.zip',
  'cmd_bitsadmin_download_psh_script.zip',
  'psh_cmstp_execution_bypassuac.zip',
  'empire_shell_rubeus_asktgt_ptt.zip',
  'aptsimulator_cobaltstrike.zip',
  'sysmon_log4shell_cve2021_44228_java_serialized_object.zip',
  'metasploit_logonpasswords_lsass_memory_dump_zeek_logs.zip',
];

const SHARED_DATA = path.resolve(__dirname, '../../../shared/data/real');
const SIMDA_CAPTURE = path.join(SHARED_DATA, 'stratosphere-security-datasets-for-testing/005-zeek-scenario-malicious');

const ALERT_QUERY = `query ($after: String) {
  alerts(first: 500, after: $after, order: OLDEST_FIRST) {
    pageInfo { hasNextPage endCursor }
    nodes { id cursor title deviceId matchedField matchedValue indicatorType indicatorId eventCount }
  }
}`;

describe('replay of real telemetry', () => {
  let server: TestServer;

  beforeEach(async () => {
    server = await startTestServer();
  });

  afterEach(async () => {
    await server.stop();
  });

  async function createDefinition(title: string, indicators: Array<{ type: string; value: string }>): Promise<string> {
    const created = await server.graphql(
      `mutation ($input: AlertDefinitionInput!) { createAlertDefinition(input: $input) { id } }`,
      { input: { title, severity: 'HIGH', category: 'CredentialAccess', mitreTechniques: ['T1003'], indicators } },
    );
    expect(created.errors).toBeUndefined();
    return created.data.createAlertDefinition.id;
  }

  async function allAlerts() {
    const alerts: any[] = [];
    let after: string | null = null;
    for (;;) {
      const page: any = await server.graphql(ALERT_QUERY, { after });
      alerts.push(...page.data.alerts.nodes);
      if (!page.data.alerts.pageInfo.hasNextPage) return alerts;
      after = page.data.alerts.pageInfo.endCursor;
    }
  }

  async function indicatorValues(): Promise<Map<string, string>> {
    const values = new Map<string, string>();
    let after: string | null = null;
    for (;;) {
      const page: any = await server.graphql(
        `query ($after: String) { indicators(first: 500, after: $after) { pageInfo { hasNextPage endCursor } nodes { id normalizedValue } } }`,
        { after },
      );
      for (const node of page.data.indicators.nodes) values.set(node.id, node.normalizedValue);
      if (!page.data.indicators.pageInfo.hasNextPage) return values;
      after = page.data.indicators.pageInfo.endCursor;
    }
  }

  async function replayArchive(file: string): Promise<number> {
    let accepted = 0;
    for (const entry of readZipEntries(path.join(MORDOR, file))) {
      const { status, body } = await postEvents(server, entry.text);
      expect(status).toBe(200);
      expect(body.rejected).toBe(0);
      accepted += body.accepted;
    }
    return accepted;
  }

  describe('endpoint hash sweep', () => {
    it('raises exactly the alerts the mimikatz and PsExec hashes imply', async () => {
      const indicators = Object.entries(TOOL_HASHES).flatMap(([type, values]) => values.map((value) => ({ type, value })));
      await createDefinition('Credential theft tools', indicators);
      await createDefinition('Import hash decoy', [{ type: 'FILE_MD5', value: MIMIKATZ_IMPHASH }]);

      for (const file of TOOL_DATASETS) await replayArchive(file);
      const alerts = await allAlerts();

      const expected = expectedHashAlerts(TOOL_DATASETS);
      const actual = alerts.map((alert) => `${alert.deviceId} ${alert.matchedValue} ${alert.eventCount}`).sort();
      expect(actual).toEqual(expected);
      expect(alerts.every((alert) => alert.title === 'Credential theft tools')).toBe(true);
      // Each tool started once and then loaded its own image, so every alert has a process create first.
      expect(new Set(alerts.map((alert) => alert.matchedField))).toEqual(
        new Set(['process.hash.sha1', 'process.hash.md5', 'process.hash.sha256']),
      );
      expect(alerts.every((alert) => alert.eventCount === 2)).toBe(true);
    });

    it('raises nothing on the datasets without those tools', async () => {
      const indicators = Object.entries(TOOL_HASHES).flatMap(([type, values]) => values.map((value) => ({ type, value })));
      await createDefinition('Credential theft tools', indicators);

      let accepted = 0;
      for (const file of OTHER_DATASETS) accepted += await replayArchive(file);
      for (const file of fs.readdirSync(path.join(EVENT_FIXTURES_DIR, 'apt29-zeek'))) {
        const text = fs.readFileSync(path.join(EVENT_FIXTURES_DIR, 'apt29-zeek', file), 'utf8');
        const { body } = await postEvents(server, text);
        accepted += body.accepted;
      }

      expect(accepted).toBeGreaterThan(5000);
      expect(await allAlerts()).toEqual([]);
    });
  });

  describe('DGA domains', () => {
    const hasCapture = fs.existsSync(SIMDA_CAPTURE);
    if (!hasCapture) {
      // The Simda capture is GPL-2.0 and is read from the shared data folder, never copied into this repository.
      console.warn(`Skipping the Simda replay: ${SIMDA_CAPTURE} is absent.`);
    }
    const itWithCapture = hasCapture ? it : it.skip;

    itWithCapture('alerts on the Simda trail domains and on nothing else', async () => {
      const trail = readTrail(path.resolve(__dirname, '../fixtures/iocs/maltrail-simda.txt'));
      const definitionId = await createDefinition('Simda DGA', []);
      // The trail lists some names twice in different letter case.
      const added = await server.graphql(
        `mutation ($id: ID!, $indicators: [IndicatorInput!]!) {
          addIndicators(alertDefinitionId: $id, indicators: $indicators, skipDuplicates: true) { addedCount skippedDuplicates }
        }`,
        { id: definitionId, indicators: trail },
      );
      expect(added.errors).toBeUndefined();
      expect(added.data.addIndicators.addedCount + added.data.addIndicators.skippedDuplicates.length).toBe(trail.length);

      const dns = fs.readFileSync(path.join(SIMDA_CAPTURE, 'dns.log'), 'utf8');
      const http = fs.readFileSync(path.join(SIMDA_CAPTURE, 'http.log'), 'utf8');
      const dnsResult = await postEvents(server, dns, '', 'text/plain');
      const httpResult = await postEvents(server, http, '', 'text/plain');
      expect(dnsResult.body.rejected).toBe(0);
      expect(httpResult.body.rejected).toBe(0);

      const alerts = await allAlerts();
      const valueById = await indicatorValues();
      const matchedEntries = new Set(alerts.map((alert) => valueById.get(alert.indicatorId)));
      const trailDomains = new Set(trail.filter((entry) => entry.type === 'DOMAIN_NAME').map((entry) => entry.value.toLowerCase()));
      const observed = [...zeekColumn(dns, 'query'), ...zeekColumn(http, 'host')];
      const expected = new Set([...trailDomains].filter((entry) => observed.some((name) => coveredBy(name, entry))));

      expect(expected.size).toBeGreaterThan(10);
      expect([...matchedEntries].sort()).toEqual([...expected].sort());
      const matchedValues = new Set(alerts.map((alert) => alert.matchedValue));
      for (const benign of ['dns.msftncsi.com', 'wpad', 'www.bing.com']) {
        expect(matchedValues.has(benign)).toBe(false);
      }
      expect(zeekColumn(dns, 'query')).toEqual(expect.arrayContaining(['dns.msftncsi.com', 'wpad', 'www.bing.com']));
    });
  });

  describe('live feed during a replay', () => {
    it('delivers every raised alert once, and the missed ones after a reconnect', async () => {
      const indicators = Object.entries(TOOL_HASHES).flatMap(([type, values]) => values.map((value) => ({ type, value })));
      await createDefinition('Credential theft tools', indicators);
      const live = subscribe(server.wsClient(), `subscription { alertRaised { id cursor } }`);
      await waitUntil(() => server.sightline.services.feed.activeStreams === 1, 5000, 'the subscription to start');

      await replayArchive(TOOL_DATASETS[0]);
      const afterFirst = (await allAlerts()).length;
      await live.waitFor(afterFirst);
      live.unsubscribe();
      const resumeCursor = live.received[live.received.length - 1].data.alertRaised.cursor;

      await replayArchive(TOOL_DATASETS[1]);
      const alerts = await allAlerts();
      const resumed = subscribe(server.wsClient(), `subscription ($after: String) { alertRaised(after: $after) { id } }`, {
        after: resumeCursor,
      });
      await resumed.waitFor(alerts.length - afterFirst);

      expect(afterFirst).toBeGreaterThan(0);
      expect(alerts.length).toBeGreaterThan(afterFirst);
      expect(live.received.map((result) => result.data.alertRaised.id)).toEqual(alerts.slice(0, afterFirst).map((alert) => alert.id));
      expect(resumed.received.map((result) => result.data.alertRaised.id)).toEqual(alerts.slice(afterFirst).map((alert) => alert.id));
    });
  });
});

/**
 * Computes the expected alerts straight from the raw datasets: one per
 * (device, hash) found in a Sysmon `Hashes` field, with the number of events.
 */
function expectedHashAlerts(files: string[]): string[] {
  const wanted = new Set(Object.values(TOOL_HASHES).flat());
  const counts = new Map<string, number>();
  for (const file of files) {
    for (const entry of readZipEntries(path.join(MORDOR, file))) {
      for (const line of entry.text.split('\n').filter((text) => text.trim())) {
        const event = JSON.parse(line);
        if (typeof event.Hashes !== 'string') continue;
        for (const part of event.Hashes.split(',')) {
          const [algorithm, value] = part.split('=');
          if (algorithm === 'IMPHASH' || !wanted.has(value)) continue;
          const key = `${event.Hostname} ${value.toLowerCase()}`;
          counts.set(key, (counts.get(key) ?? 0) + 1);
        }
      }
    }
  }
  return [...counts].map(([key, count]) => `${key} ${count}`).sort();
}

/** Reads a maltrail trail file into indicator inputs. */
function readTrail(file: string): Array<{ type: string; value: string }> {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((value) => ({ type: value.includes('://') ? 'URL' : 'DOMAIN_NAME', value }));
}

/** Values of one column of a Zeek TSV log, lower-cased, unset values dropped. */
function zeekColumn(log: string, column: string): string[] {
  const lines = log.split('\n');
  const fields = lines.find((line) => line.startsWith('#fields'))!.split('\t').slice(1);
  const index = fields.indexOf(column);
  return lines
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => line.split('\t')[index]?.toLowerCase())
    .filter((value): value is string => Boolean(value) && value !== '-');
}

/** True when `entry` covers `name` as an INCLUDES_SUBDOMAINS indicator. */
function coveredBy(name: string, entry: string): boolean {
  const host = name.replace(/\.$/, '');
  return host === entry || host.endsWith(`.${entry}`);
}
