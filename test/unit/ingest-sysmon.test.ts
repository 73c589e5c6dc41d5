import path from 'node:path';

import { IndicatorType } from '../../src/domain/enums';
import { EventFormat, ParsedBody, parseEventBody } from '../../src/ingest/event-body';
import { EVENT_FIXTURES_DIR, readZipEntries } from '../fixtures/events/read-fixture';

const receivedAt = new Date('2024-05-01T12:00:00.000Z');

function parseAuto(body: string): ParsedBody {
  return parseEventBody(body, { format: EventFormat.AUTO, receivedAt });
}

/** Returns the text of the single JSON-lines file in a Security-Datasets archive. */
function readArchive(name: string): string {
  const entries = readZipEntries(path.join(EVENT_FIXTURES_DIR, 'mordor', name));
  expect(entries).toHaveLength(1);
  return entries[0].text;
}

/** Parses one line (1-based) of an archive on its own and returns its event. */
function parseArchiveLine(name: string, line: number) {
  const parsed = parseAuto(readArchive(name).split('\n')[line - 1]);
  expect(parsed.rejected).toEqual([]);
  expect(parsed.events).toHaveLength(1);
  return parsed.events[0].event;
}

const MIMIKATZ = 'mimikatz_CVE-2020-1472_Unauthenticated_NetrServerAuthenticate2.zip';
const LOG4SHELL = 'sysmon_log4shell_cve2021_44228_java_serialized_object.zip';

describe('Sysmon events from Security-Datasets archives', () => {
  it('maps the mimikatz process creation to process hashes', () => {
    expect(parseArchiveLine(MIMIKATZ, 138)).toEqual({
      eventTime: new Date('2020-09-17T03:40:04.466Z'),
      deviceId: 'WORKSTATION5.theshire.local',
      deviceName: 'WORKSTATION5',
      observables: [
        { type: IndicatorType.FILE_SHA1, value: '36B4981922677FB0BDAA7CF449B135ECF469DF8F', field: 'process.hash.sha1' },
        { type: IndicatorType.FILE_MD5, value: '9996419693CE040DFABE63E08DC0251B', field: 'process.hash.md5' },
        {
          type: IndicatorType.FILE_SHA256,
          value: '9D2FD8BEE1CE0A26AF22B702F79B4BC29B936891F49AFEBC2917D890F65D3008',
          field: 'process.hash.sha256',
        },
      ],
    });
  });

  it('leaves out the IMPHASH of a process creation', () => {
    const values = parseArchiveLine(MIMIKATZ, 138).observables.map((observable) => observable.value);

    expect(values).not.toContain('2C4D4F847C9CD14D1117B7C7D395C097');
  });

  it('maps an image load to DLL hashes', () => {
    const event = parseArchiveLine(MIMIKATZ, 141);

    expect(event.eventTime).toEqual(new Date('2020-09-17T03:40:04.452Z'));
    expect(event.observables).toEqual([
      { type: IndicatorType.FILE_SHA1, value: '36B4981922677FB0BDAA7CF449B135ECF469DF8F', field: 'dll.hash.sha1' },
      { type: IndicatorType.FILE_MD5, value: '9996419693CE040DFABE63E08DC0251B', field: 'dll.hash.md5' },
      {
        type: IndicatorType.FILE_SHA256,
        value: '9D2FD8BEE1CE0A26AF22B702F79B4BC29B936891F49AFEBC2917D890F65D3008',
        field: 'dll.hash.sha256',
      },
    ]);
  });

  it('maps an archived file deletion to file hashes', () => {
    expect(parseArchiveLine(MIMIKATZ, 768).observables.map((observable) => observable.field)).toEqual([
      'file.hash.sha1',
      'file.hash.md5',
      'file.hash.sha256',
    ]);
  });

  it('maps a DNS query to the name and its IPv4 answer', () => {
    expect(parseArchiveLine(MIMIKATZ, 278)).toEqual({
      eventTime: new Date('2020-09-17T03:40:02.417Z'),
      deviceId: 'WORKSTATION5.theshire.local',
      deviceName: 'WORKSTATION5',
      observables: [
        { type: IndicatorType.DOMAIN_NAME, value: 'MORDORDC.theshire.local', field: 'dns.question.name' },
        { type: IndicatorType.IP_ADDRESS, value: '172.18.38.5', field: 'dns.resolved_ip' },
      ],
    });
  });

  it('maps a DNS query with a CNAME answer', () => {
    const event = parseArchiveLine('psh_cmstp_execution_bypassuac.zip', 492);

    expect(event.deviceId).toBe('WORKSTATION5');
    expect(event.deviceName).toBe('WORKSTATION5');
    expect(event.observables).toEqual([
      { type: IndicatorType.DOMAIN_NAME, value: 'raw.githubusercontent.com', field: 'dns.question.name' },
      { type: IndicatorType.DOMAIN_NAME, value: 'github.map.fastly.net', field: 'dns.answers.data' },
      { type: IndicatorType.IP_ADDRESS, value: '151.101.248.133', field: 'dns.resolved_ip' },
    ]);
  });

  it('maps a network connection to both addresses', () => {
    expect(parseArchiveLine(MIMIKATZ, 288)).toEqual({
      eventTime: new Date('2020-09-17T03:40:02.687Z'),
      deviceId: 'MORDORDC.theshire.local',
      deviceName: 'MORDORDC',
      observables: [
        { type: IndicatorType.IP_ADDRESS, value: '172.18.39.5', field: 'source.ip' },
        { type: IndicatorType.IP_ADDRESS, value: '172.18.38.5', field: 'destination.ip' },
      ],
    });
  });

  it('keeps one observable for a loopback connection', () => {
    expect(parseArchiveLine(MIMIKATZ, 32).observables).toEqual([
      { type: IndicatorType.IP_ADDRESS, value: '0:0:0:0:0:0:0:1', field: 'source.ip' },
    ]);
  });

  it('accepts Security 4688 with no observables', () => {
    expect(parseArchiveLine(MIMIKATZ, 209)).toEqual({
      eventTime: new Date('2020-09-17T03:40:05.823Z'),
      deviceId: 'WORKSTATION5.theshire.local',
      deviceName: 'WORKSTATION5',
      observables: [],
    });
  });

  it('accepts Sysmon 10 with no observables', () => {
    expect(parseArchiveLine(MIMIKATZ, 137).observables).toEqual([]);
  });

  it('maps Security 5156 to both addresses', () => {
    expect(parseArchiveLine(MIMIKATZ, 5).observables).toEqual([
      { type: IndicatorType.IP_ADDRESS, value: '172.18.39.6', field: 'source.ip' },
      { type: IndicatorType.IP_ADDRESS, value: '168.63.129.16', field: 'destination.ip' },
    ]);
  });

  it('reads TimeCreated as UTC when UtcTime is absent', () => {
    const event = parseArchiveLine('cmd_psexec_lsa_secrets_dump.zip', 286);

    expect(event.eventTime).toEqual(new Date('2020-10-19T03:30:46.416Z'));
    expect(event.observables).toEqual([]);
  });
});

describe('Azure Monitor WindowsEvent rows', () => {
  it('reads Sysmon fields from the EventData string', () => {
    expect(parseArchiveLine(LOG4SHELL, 1)).toEqual({
      eventTime: new Date('2022-05-13T08:54:05.123Z'),
      deviceId: 'WORKSTATION5',
      deviceName: 'WORKSTATION5',
      observables: [
        { type: IndicatorType.IP_ADDRESS, value: '192.168.3.5', field: 'source.ip' },
        { type: IndicatorType.IP_ADDRESS, value: '192.168.2.5', field: 'destination.ip' },
      ],
    });
  });

  it('maps a DNS query with IPv6 and IPv4 answers', () => {
    expect(parseArchiveLine(LOG4SHELL, 14).observables).toEqual([
      { type: IndicatorType.DOMAIN_NAME, value: 'WORKSTATION5', field: 'dns.question.name' },
      { type: IndicatorType.IP_ADDRESS, value: 'fe80::798a:6744:8c18:1b47', field: 'dns.resolved_ip' },
      { type: IndicatorType.IP_ADDRESS, value: '192.168.2.5', field: 'dns.resolved_ip' },
    ]);
  });

  it('reads an XML EventData string', () => {
    const eventData =
      '<EventData xmlns="http://schemas.microsoft.com/win/2004/08/events/event">' +
      '<Data Name="TargetUserName">alice&amp;bob</Data><Data Name="WorkstationName"/>' +
      '<Data Name="IpAddress">198.51.100.23</Data></EventData>';
    const row = { Computer: 'DC1.corp.example', EventID: 4624, Channel: 'Security', TimeGenerated: '2024-05-01T10:00:00Z', EventData: eventData };

    expect(parseAuto(JSON.stringify(row)).events[0].event).toEqual({
      eventTime: new Date('2024-05-01T10:00:00.000Z'),
      deviceId: 'DC1.corp.example',
      deviceName: 'DC1',
      observables: [{ type: IndicatorType.IP_ADDRESS, value: '198.51.100.23', field: 'source.ip' }],
    });
  });
});

describe('Winlogbeat events', () => {
  const sha256 = 'F617E55691A2759CA889CCE9167DB0CB24AB259A5526F25F49054B0AC1F265D9';

  it('merges event data hashes with ECS hashes', () => {
    const event = {
      '@timestamp': '2024-05-01T10:15:30.456Z',
      host: { name: 'ws7.corp.example' },
      winlog: {
        channel: 'Microsoft-Windows-Sysmon/Operational',
        provider_name: 'Microsoft-Windows-Sysmon',
        computer_name: 'WS7.corp.example',
        event_id: '1',
        event_data: { UtcTime: '2024-05-01 10:15:30.123', Hashes: `SHA256=${sha256},IMPHASH=00000000000000000000000000000000` },
      },
      process: { hash: { sha256: sha256.toLowerCase(), md5: 'cdb36367809d902d43a783a3f049092e' } },
    };

    expect(parseAuto(JSON.stringify(event)).events[0].event).toEqual({
      eventTime: new Date('2024-05-01T10:15:30.123Z'),
      deviceId: 'WS7.corp.example',
      deviceName: 'WS7',
      observables: [
        { type: IndicatorType.FILE_SHA256, value: sha256, field: 'process.hash.sha256' },
        { type: IndicatorType.FILE_MD5, value: 'cdb36367809d902d43a783a3f049092e', field: 'process.hash.md5' },
      ],
    });
  });

  it('reads DNS answers from ECS fields', () => {
    const event = {
      '@timestamp': '2024-05-01T10:20:00.000Z',
      'host.name': 'ws7.corp.example',
      'winlog.channel': 'Microsoft-Windows-Sysmon/Operational',
      'winlog.event_id': 22,
      'winlog.event_data': { QueryName: 'updates.example.net', QueryStatus: '0' },
      dns: { question: { name: 'updates.example.net' }, resolved_ip: ['203.0.113.9', '2001:db8::9'] },
    };

    expect(parseAuto(JSON.stringify(event)).events[0].event).toEqual({
      eventTime: new Date('2024-05-01T10:20:00.000Z'),
      deviceId: 'ws7.corp.example',
      deviceName: 'ws7',
      observables: [
        { type: IndicatorType.DOMAIN_NAME, value: 'updates.example.net', field: 'dns.question.name' },
        { type: IndicatorType.IP_ADDRESS, value: '203.0.113.9', field: 'dns.resolved_ip' },
        { type: IndicatorType.IP_ADDRESS, value: '2001:db8::9', field: 'dns.resolved_ip' },
      ],
    });
  });
});

describe('Windows event field rules', () => {
  it('reads the Hash field of Sysmon 15', () => {
    const event = { EventID: 15, Hostname: 'ws8', UtcTime: '2024-05-01 09:00:00.000', Hash: 'MD5=CDB36367809D902D43A783A3F049092E' };

    expect(parseAuto(JSON.stringify(event)).events[0].event.observables).toEqual([
      { type: IndicatorType.FILE_MD5, value: 'CDB36367809D902D43A783A3F049092E', field: 'file.hash.md5' },
    ]);
  });

  it('reads hashes in any order, case and spacing', () => {
    const hashes = 'imphash=00000000000000000000000000000000, sha1=09DFF3D8E99C1021A7CEE1A9260A7A8D6A29E0FF';
    const event = { EventID: 6, Hostname: 'ws8', Hashes: hashes };

    expect(parseAuto(JSON.stringify(event)).events[0].event.observables).toEqual([
      { type: IndicatorType.FILE_SHA1, value: '09DFF3D8E99C1021A7CEE1A9260A7A8D6A29E0FF', field: 'file.hash.sha1' },
    ]);
  });

  it('skips dash values and bad hashes', () => {
    const event = { EventID: 3, Hostname: 'ws8', SourceIp: '-', DestinationIp: '', DestinationHostname: '-' };
    const imageLoad = { EventID: 7, Hostname: 'ws8', Hashes: 'SHA256=XYZ,MD5=-' };

    expect(parseAuto(JSON.stringify(event)).events[0].event.observables).toEqual([]);
    expect(parseAuto(JSON.stringify(imageLoad)).events[0].event.observables).toEqual([]);
  });

  it('maps a connection destination name to a domain', () => {
    const event = { EventID: 3, Hostname: 'ws8', DestinationIp: '203.0.113.7', DestinationHostname: 'c2.example.net' };

    expect(parseAuto(JSON.stringify(event)).events[0].event.observables).toEqual([
      { type: IndicatorType.IP_ADDRESS, value: '203.0.113.7', field: 'destination.ip' },
      { type: IndicatorType.DOMAIN_NAME, value: 'c2.example.net', field: 'destination.domain' },
    ]);
  });

  it('ignores Sysmon fields in other channels', () => {
    const event = { EventID: 3, Channel: 'Windows PowerShell', Hostname: 'ws8', SourceIp: '192.0.2.1' };

    expect(parseAuto(JSON.stringify(event)).events[0].event.observables).toEqual([]);
  });

  it('skips a local EventTime without a zone', () => {
    const event = { EventID: 4688, Channel: 'Security', Hostname: 'ws9', EventTime: '2020-09-16 23:40:04' };

    expect(parseAuto(JSON.stringify(event)).events[0].event.eventTime).toEqual(receivedAt);
  });

  it.each<[string, Record<string, unknown>, string]>([
    [
      'no device',
      { EventID: 1, Channel: 'Security' },
      'No device id found: "Hostname", "Computer", "winlog.computer_name" and "host.name" are all missing or blank.',
    ],
    ['a bad EventID', { EventID: 'abc', Hostname: 'ws' }, '"EventID" must be a Windows event id from 0 to 65535; received "abc".'],
    [
      'a bad winlog.event_id',
      { winlog: { event_id: 70000, computer_name: 'ws' } },
      '"winlog.event_id" must be a Windows event id from 0 to 65535; received 70000.',
    ],
    [
      'a bad UtcTime',
      { EventID: 1, Hostname: 'ws', UtcTime: 'yesterday' },
      '"UtcTime" must be a date and time such as "2020-09-17 03:40:04.424" or "2020-09-17T03:40:04.424Z"; received "yesterday".',
    ],
    [
      'an EventData string that is neither JSON nor XML',
      { EventID: 1, Computer: 'ws', EventData: 'RuleName=-' },
      '"EventData" must be a JSON object or an XML <EventData> element in a string; received "RuleName=-".',
    ],
  ])('rejects %s', (_case, record, reason) => {
    expect(parseAuto(JSON.stringify(record)).rejected).toEqual([{ line: 1, reason }]);
  });
});

describe('Security-Datasets archive replay', () => {
  it.each([
    [MIMIKATZ, 790, 202],
    ['cmd_psexec_lsa_secrets_dump.zip', 286, 144],
    ['cmd_process_herpaderping_mimiexplorer.zip', 265, 112],
    ['cmd_lsass_memory_dumpert_syscalls.zip', 118, 24],
    ['cmd_bitsadmin_download_psh_script.zip', 424, 168],
    ['psh_cmstp_execution_bypassuac.zip', 1166, 404],
    ['empire_shell_rubeus_asktgt_ptt.zip', 1179, 206],
    ['aptsimulator_cobaltstrike.zip', 2611, 1009],
    [LOG4SHELL, 487, 167],
  ])('parses %s without rejections', (name, eventCount, withObservables) => {
    const text = readArchive(name);
    const parsed = parseAuto(text);

    expect(parsed.rejected).toEqual([]);
    expect(parsed.events).toHaveLength(eventCount);
    expect(parsed.events.filter(({ event }) => event.observables.length > 0)).toHaveLength(withObservables);
    expect(parsed.events.filter(({ event }) => event.eventTime === receivedAt)).toEqual([]);

    const imphashes = new Set([...text.matchAll(/IMPHASH=([0-9A-F]{32})/g)].map((match) => match[1]));
    const values = parsed.events.flatMap(({ event }) => event.observables.map((observable) => observable.value));
    expect(values.filter((value) => imphashes.has(value))).toEqual([]);
  });

  it('parses the archives alike with the explicit Sysmon format', () => {
    const auto = parseAuto(readArchive(LOG4SHELL));
    const explicit = parseEventBody(readArchive(LOG4SHELL), { format: EventFormat.SYSMON, receivedAt });

    expect(explicit).toEqual(auto);
  });
});
