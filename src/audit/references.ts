// The pages checks cite: WeChat's own documentation, OWASP ASVS 4.0.3 items and CWE entries.
import type { Reference } from './types.js';

const wx = (title: string, path: string): Reference => ({ title: `WeChat: ${title}`, url: `https://developers.weixin.qq.com/miniprogram/dev/${path}` });
const cwe = (n: number, title: string): Reference => ({ title: `CWE-${n}: ${title}`, url: `https://cwe.mitre.org/data/definitions/${n}.html` });
const asvs = (item: string, title: string): Reference => ({
  title: `OWASP ASVS 4.0.3 ${item}: ${title}`,
  url: 'https://github.com/OWASP/ASVS/blob/v4.0.3/4.0/en/0x12-V3-Session-management.md',
});

export const REFS = {
  login: wx('小程序登录 (login flow)', 'framework/open-ability/login.html'),
  code2Session: wx('code2Session', 'OpenApiDoc/user-login/code2Session.html'),
  openData: wx('开放数据校验与解密 (open data signature and decryption)', 'framework/open-ability/signature.html'),
  phone: wx('getPhoneNumber', 'OpenApiDoc/user-info/phone-number/getPhoneNumber.html'),
  errors: wx('全局错误码 (error codes)', 'framework/usability/PublicErrno.html'),
  sessionTokens: asvs('V3.2.2', 'session tokens possess at least 64 bits of entropy'),
  sessionLogout: { title: 'OWASP ASVS 4.0.3 V3.3.1: logout and expiration invalidate the session token', url: 'https://github.com/OWASP/ASVS/blob/v4.0.3/4.0/en/0x12-V3-Session-management.md' },
  tokenInUrl: { title: 'OWASP ASVS 4.0.3 V3.1.1: never reveal session tokens in URL parameters', url: 'https://github.com/OWASP/ASVS/blob/v4.0.3/4.0/en/0x12-V3-Session-management.md' },
  paddingOracle: cwe(209, 'Generation of Error Message Containing Sensitive Information (padding oracle)'),
  observableDiscrepancy: cwe(203, 'Observable Discrepancy'),
  integrity: cwe(353, 'Missing Support for Integrity Check'),
  replay: cwe(294, 'Authentication Bypass by Capture-replay'),
  raceCondition: cwe(362, 'Concurrent Execution using Shared Resource with Improper Synchronization'),
  predictableToken: cwe(330, 'Use of Insufficiently Random Values'),
  authorization: cwe(639, 'Authorization Bypass Through User-Controlled Key'),
  originValidation: cwe(346, 'Origin Validation Error'),
  uncheckedError: cwe(755, 'Improper Handling of Exceptional Conditions'),
  timeout: cwe(400, 'Uncontrolled Resource Consumption (no timeout on upstream calls)'),
  stackTrace: cwe(209, 'Generation of Error Message Containing Sensitive Information'),
  secretInAnswer: cwe(200, 'Exposure of Sensitive Information to an Unauthorized Actor'),
  secretInLog: cwe(532, 'Insertion of Sensitive Information into Log File'),
  inputValidation: cwe(20, 'Improper Input Validation'),
  rateLimit: cwe(307, 'Improper Restriction of Excessive Authentication Attempts'),
  bodySize: cwe(770, 'Allocation of Resources Without Limits or Throttling'),
} as const satisfies Record<string, Reference>;
