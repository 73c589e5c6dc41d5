import { registerEnumType } from 'type-graphql';

import { AlertDetermination } from '../../domain/alert-rules';
import {
  AlertCategory,
  AlertClassification,
  AlertStatus,
  IndicatorType,
  MatchFunction,
  Severity,
} from '../../domain/enums';
import { AlertChange } from '../../feed/alert-feed.topics';
import { AlertOrder } from '../../services/alert.service';

registerEnumType(Severity, { name: 'Severity', description: 'How urgent an alert is, from INFORMATIONAL to HIGH.' });
registerEnumType(AlertCategory, { name: 'AlertCategory', description: 'The kind of threat an alert definition describes.' });
registerEnumType(IndicatorType, {
  name: 'IndicatorType',
  description: 'The kind of observable an indicator of compromise describes.',
  valuesConfig: {
    FILE_SHA1: { description: 'SHA-1 hash of a file, 40 hexadecimal characters.' },
    FILE_SHA256: { description: 'SHA-256 hash of a file, 64 hexadecimal characters.' },
    FILE_MD5: { description: 'MD5 hash of a file, 32 hexadecimal characters. Never compared with import hashes (IMPHASH).' },
    CERTIFICATE_THUMBPRINT: { description: 'SHA-1 thumbprint of an X.509 certificate, 40 hexadecimal characters.' },
    IP_ADDRESS: { description: 'IPv4 or IPv6 address, or a CIDR block with the CIDR match function.' },
    DOMAIN_NAME: { description: 'Fully qualified domain name; internationalized names are stored as punycode.' },
    URL: { description: 'Absolute http, https, ftp, ws or wss URL.' },
  },
});
registerEnumType(MatchFunction, {
  name: 'MatchFunction',
  description: 'How an indicator value is compared with event observables.',
  valuesConfig: {
    EQUALS: { description: 'The normalized observable equals the normalized indicator. Allowed for every type.' },
    INCLUDES_SUBDOMAINS: { description: 'DOMAIN_NAME only, and its default: the domain and every name below it.' },
    PATH_PREFIX: { description: 'URL only, and its default: the URL and every URL under its path on the same origin.' },
    CIDR: { description: 'IP_ADDRESS only: every address inside the CIDR block.' },
  },
});
registerEnumType(AlertStatus, { name: 'AlertStatus', description: 'Triage state of an alert.' });
registerEnumType(AlertClassification, { name: 'AlertClassification', description: 'Outcome of an alert investigation.' });
registerEnumType(AlertDetermination, {
  name: 'AlertDetermination',
  description:
    'Reason behind a classification. TRUE_POSITIVE allows MULTI_STAGED_ATTACK, MALICIOUS_USER_ACTIVITY, COMPROMISED_ACCOUNT, MALWARE, PHISHING, UNWANTED_SOFTWARE and OTHER; INFORMATIONAL_EXPECTED_ACTIVITY allows SECURITY_TESTING, LINE_OF_BUSINESS_APPLICATION, CONFIRMED_ACTIVITY and OTHER; FALSE_POSITIVE allows NOT_MALICIOUS, NOT_ENOUGH_DATA_TO_VALIDATE and OTHER.',
});
registerEnumType(AlertChange, { name: 'AlertChange', description: 'What changed in an existing alert.' });
registerEnumType(AlertOrder, { name: 'AlertOrder', description: 'Order of the alerts list, by feed sequence.' });
