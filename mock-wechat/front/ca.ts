// The local certificate authority behind `wxlogin mock --tls`, made once in <dataDir>/tls/ (a 0700 folder, every file
// 0600) and reused, and the server certificate it signs for api.weixin.qq.com, localhost and 127.0.0.1.
// node-forge builds and signs the certificates (https://github.com/digitalbazaar/forge#x509); Node's crypto makes the
// keys and checks whatever is loaded from disk (https://nodejs.org/api/crypto.html#class-x509certificate).
//
// The CA carries name constraints (RFC 5280 4.2.1.10): whoever trusts it trusts it for those three names only, so a
// copied ca-key.pem cannot be used to impersonate any other site to them.
import { createPrivateKey, generateKeyPair, randomBytes, X509Certificate, type KeyObject } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import forge from 'node-forge';
import { TLS_DIR_NAME, TLS_DNS_NAMES, TLS_IPS, WECHAT_API_HOST } from './defaults.js';
import { MockTlsError } from './errors.js';

const DAY_MS = 86_400_000;
const CA_DAYS = 3650;
/** About a year: under the 398 days browsers and Apple platforms accept for a server certificate. */
const SERVER_DAYS = 365;
/** A cached server certificate this close to its end is issued afresh at start. */
const RENEW_BEFORE_MS = 30 * DAY_MS;
/** notBefore an hour back, so a client whose clock is a little behind still accepts a fresh certificate. */
const BACKDATE_MS = 3_600_000;

export interface TlsPaths {
  dir: string;
  certPath: string;
  keyPath: string;
  /** The server certificate and its key, in one file so it is replaced in one rename. */
  serverPath: string;
}

export interface LocalCa extends TlsPaths {
  certPem: string;
  keyPem: string;
  cert: X509Certificate;
  /** True when this call made the CA (the person must trust it once). */
  created: boolean;
  /** Things to tell the person (a key file others can read). */
  warnings: string[];
}

export interface ServerCert {
  certPem: string;
  keyPem: string;
  path: string;
  /** False when a cached certificate was reused. */
  issued: boolean;
}

export interface CaOptions {
  /** Milliseconds since the epoch, as the mock's own clock option. */
  now?: () => number;
}

export function tlsPaths(dataDir: string): TlsPaths {
  const dir = resolve(dataDir, TLS_DIR_NAME);
  return { dir, certPath: join(dir, 'ca.pem'), keyPath: join(dir, 'ca-key.pem'), serverPath: join(dir, 'server.pem') };
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));
const isCode = (err: unknown, ...codes: string[]) => codes.includes((err as NodeJS.ErrnoException)?.code ?? '');

/**
 * The CA in <dataDir>/tls/, made there if absent. Two processes starting at once agree on one CA: each builds its
 * own in a temporary folder and renames it into place; the loser's rename fails and it loads the winner's.
 */
export async function loadOrCreateCa(dataDir: string, opts: CaOptions = {}): Promise<LocalCa> {
  const now = () => new Date((opts.now ?? Date.now)());
  const paths = tlsPaths(dataDir);
  const root = resolve(dataDir);
  try {
    await mkdir(root, { recursive: true, mode: 0o700 });
  } catch (err) {
    if (isCode(err, 'EEXIST', 'ENOTDIR')) throw new MockTlsError(`the data directory ${root} is not a directory`, { cause: err });
    throw new MockTlsError(`cannot create the data directory ${root}: ${message(err)}`, { cause: err });
  }
  if (!(await exists(paths.certPath))) {
    const made = await createCa(now());
    let tmp: string;
    try {
      tmp = await mkdtemp(join(root, '.tls-')); // mode 0700
      await writeFile(join(tmp, 'ca.pem'), made.certPem, { mode: 0o600 });
      await writeFile(join(tmp, 'ca-key.pem'), made.keyPem, { mode: 0o600 });
    } catch (err) {
      throw new MockTlsError(`cannot write the CA into ${root}: ${message(err)}`, { cause: err });
    }
    try {
      // Replaces an empty tls/ folder; fails on one with files in it (another process was first).
      await rename(tmp, paths.dir);
      return { ...(await loadCa(paths, now())), created: true };
    } catch (err) {
      await rm(tmp, { recursive: true, force: true });
      if (!isCode(err, 'ENOTEMPTY', 'EEXIST')) {
        throw err instanceof MockTlsError ? err : new MockTlsError(`cannot create ${paths.dir}: ${message(err)}`, { cause: err });
      }
    }
  }
  return { ...(await loadCa(paths, now())), created: false };
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (err) {
    if (isCode(err, 'ENOENT')) return false;
    throw new MockTlsError(`cannot read ${path}: ${message(err)}`, { cause: err });
  }
}

async function loadCa(paths: TlsPaths, now: Date): Promise<Omit<LocalCa, 'created'>> {
  const remake = `delete ${paths.dir} to make a new CA (and trust the new one)`;
  const read = async (path: string) => {
    try {
      return await readFile(path, 'utf8');
    } catch (err) {
      if (isCode(err, 'ENOENT')) throw new MockTlsError(`${path} is missing: ${remake}`, { cause: err });
      throw new MockTlsError(`cannot read ${path}: ${message(err)}`, { cause: err });
    }
  };
  const certPem = await read(paths.certPath);
  const keyPem = await read(paths.keyPath);
  let cert: X509Certificate;
  let key: KeyObject;
  try {
    cert = new X509Certificate(certPem);
  } catch {
    throw new MockTlsError(`${paths.certPath} is not a PEM certificate: ${remake}`);
  }
  try {
    key = createPrivateKey(keyPem);
  } catch {
    throw new MockTlsError(`${paths.keyPath} is not a PEM private key: ${remake}`);
  }
  if (!cert.ca) throw new MockTlsError(`${paths.certPath} is not a CA certificate: ${remake}`);
  if (!cert.checkPrivateKey(key)) throw new MockTlsError(`${paths.keyPath} is not the key of ${paths.certPath}: ${remake}`);
  if (new Date(cert.validTo).getTime() <= now.getTime()) {
    throw new MockTlsError(`the CA ${paths.certPath} expired on ${new Date(cert.validTo).toISOString()}: ${remake}`);
  }
  const warnings: string[] = [];
  const mode = (await stat(paths.keyPath)).mode & 0o777;
  if (mode & 0o077) {
    warnings.push(`warning: ${paths.keyPath} can be read by other users (mode ${mode.toString(8)}): chmod 600 ${paths.keyPath}`);
  }
  return { ...paths, certPem, keyPem, cert, warnings };
}

/**
 * The server certificate in <dataDir>/tls/server.pem if it is still good (issued by this CA, for every name, more
 * than 30 days left), else a new one written there.
 */
export async function loadOrIssueServerCert(ca: LocalCa, opts: CaOptions = {}): Promise<ServerCert> {
  const now = new Date((opts.now ?? Date.now)());
  const cached = await readServerCert(ca.serverPath);
  if (cached && serverCertUsable(cached, ca.cert, now)) return { ...cached, path: ca.serverPath, issued: false };
  const made = await issueCertificate(ca, { dnsNames: [...TLS_DNS_NAMES], ips: [...TLS_IPS], now });
  const tmp = `${ca.serverPath}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, `${made.certPem}${made.keyPem}`, { mode: 0o600 });
    await rename(tmp, ca.serverPath);
  } catch (err) {
    await rm(tmp, { force: true });
    throw new MockTlsError(`cannot write ${ca.serverPath}: ${message(err)}`, { cause: err });
  }
  return { ...made, path: ca.serverPath, issued: true };
}

async function readServerCert(path: string): Promise<{ certPem: string; keyPem: string } | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if (isCode(err, 'ENOENT')) return undefined;
    throw new MockTlsError(`cannot read ${path}: ${message(err)}`, { cause: err });
  }
  const certPem = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\r?\n?/.exec(text)?.[0];
  const keyPem = /-----BEGIN PRIVATE KEY-----[\s\S]+?-----END PRIVATE KEY-----\r?\n?/.exec(text)?.[0];
  return certPem && keyPem ? { certPem, keyPem } : undefined;
}

function serverCertUsable(pems: { certPem: string; keyPem: string }, ca: X509Certificate, now: Date): boolean {
  try {
    const cert = new X509Certificate(pems.certPem);
    const t = now.getTime();
    return (
      cert.checkIssued(ca) &&
      cert.verify(ca.publicKey) &&
      cert.checkPrivateKey(createPrivateKey(pems.keyPem)) &&
      new Date(cert.validFrom).getTime() <= t &&
      new Date(cert.validTo).getTime() - t > RENEW_BEFORE_MS &&
      TLS_DNS_NAMES.every((n) => cert.checkHost(n, { subject: 'never', wildcards: false }) === n) &&
      TLS_IPS.every((ip) => cert.checkIP(ip) === ip)
    );
  } catch {
    return false; // unreadable: issue a new one
  }
}

/** forge writes PEM with CRLF; files on disk and comparisons use LF. */
const unixLines = (pem: string) => pem.replace(/\r\n/g, '\n');

const rsaKeys = () =>
  promisify(generateKeyPair)('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });

/** A positive 127-bit serial number, random as the CA/Browser Forum asks (at least 64 random bits). */
const serialNumber = () => {
  const b = randomBytes(16);
  b[0] = (b[0]! & 0x7f) | 0x01;
  return b.toString('hex');
};

async function createCa(now: Date): Promise<{ certPem: string; keyPem: string }> {
  const keys = await rsaKeys();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(keys.publicKey);
  cert.serialNumber = serialNumber();
  cert.validity.notBefore = new Date(now.getTime() - BACKDATE_MS);
  cert.validity.notAfter = new Date(now.getTime() + CA_DAYS * DAY_MS);
  // A short random suffix tells two installs' CAs apart in a trust store.
  const name = [
    { name: 'commonName', value: `wxlogin local CA ${randomBytes(4).toString('hex')}` },
    { name: 'organizationName', value: `wxlogin mock ${WECHAT_API_HOST} (offline testing only)` },
  ];
  cert.setSubject(name);
  cert.setIssuer(name);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
    nameConstraints(),
  ]);
  cert.sign(forge.pki.privateKeyFromPem(keys.privateKey), forge.md.sha256.create());
  return { certPem: unixLines(forge.pki.certificateToPem(cert)), keyPem: keys.privateKey };
}

/** NameConstraints with permittedSubtrees only: each DNS name (and its subdomains) and each IP as a /32. */
function nameConstraints() {
  const { asn1 } = forge;
  const subtree = (tag: number, bytes: string) =>
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [asn1.create(asn1.Class.CONTEXT_SPECIFIC, tag, false, bytes)]);
  const ipAndMask = (ip: string) => String.fromCharCode(...ip.split('.').map(Number), 255, 255, 255, 255);
  const permitted = [...TLS_DNS_NAMES.map((n) => subtree(2, n)), ...TLS_IPS.map((ip) => subtree(7, ipAndMask(ip)))];
  const value = asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, permitted)]);
  return { id: '2.5.29.30', critical: true, value };
}

/**
 * A server certificate for these names signed by the CA. Exported for tests, which also use it to show that the CA
 * cannot vouch for a name outside its constraints.
 */
export async function issueCertificate(
  ca: Pick<LocalCa, 'certPem' | 'keyPem'>,
  o: { dnsNames: string[]; ips: string[]; now: Date; days?: number },
): Promise<{ certPem: string; keyPem: string }> {
  const keys = await rsaKeys();
  const caCert = forge.pki.certificateFromPem(ca.certPem);
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(keys.publicKey);
  cert.serialNumber = serialNumber();
  cert.validity.notBefore = new Date(o.now.getTime() - BACKDATE_MS);
  cert.validity.notAfter = new Date(o.now.getTime() + (o.days ?? SERVER_DAYS) * DAY_MS);
  cert.setSubject([{ name: 'commonName', value: o.dnsNames[0] ?? o.ips[0] ?? 'wxlogin' }]);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: [...o.dnsNames.map((value) => ({ type: 2, value })), ...o.ips.map((ip) => ({ type: 7, ip }))] },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(ca.keyPem), forge.md.sha256.create());
  return { certPem: unixLines(forge.pki.certificateToPem(cert)), keyPem: keys.privateKey };
}
