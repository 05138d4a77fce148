// `wxlogin mock ca`: the local CA that `wxlogin mock --tls` signs its certificate with (made now if absent), so it
// can be trusted before the first start.
import { loadOrCreateCa } from '../../../../mock-wechat/front/ca.js';
import { TLS_DNS_NAMES, TLS_IPS } from '../../../../mock-wechat/front/defaults.js';
import { mockDataDir, tlsCliError } from './tls-flags.js';

export interface CaResult {
  ca: string;
  key: string;
  created: boolean;
  subject: string;
  fingerprint256: string;
  validTo: string;
  /** The only names the CA may sign for (its name constraints). */
  names: string[];
  warnings: string[];
}

export async function showCa(flags: { dataDir?: string }, env: NodeJS.ProcessEnv): Promise<CaResult> {
  const dataDir = mockDataDir(flags.dataDir, env);
  try {
    const ca = await loadOrCreateCa(dataDir);
    return {
      ca: ca.certPath,
      key: ca.keyPath,
      created: ca.created,
      subject: ca.cert.subject.replace(/\n/g, ', '),
      fingerprint256: ca.cert.fingerprint256,
      validTo: new Date(ca.cert.validTo).toISOString(),
      names: [...TLS_DNS_NAMES, ...TLS_IPS],
      warnings: ca.warnings,
    };
  } catch (err) {
    throw tlsCliError(err);
  }
}
