// `wxlogin run`'s text lines: a transfer (uploadFile, downloadFile) is told apart from a wx.request.
import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import { traceLine } from '../../src/cli/commands/run/format.js';

const plain = new Chalk({ level: 0 });

describe('wxlogin run text output', () => {
  const base = { kind: 'request', where: 'pages/files/files', url: 'https://files.example.com/api/upload', errMsg: 'uploadFile:ok', statusCode: 200, answer: 'ok' } as const;

  it('names uploadFile and downloadFile before the method; a wx.request line has no name', () => {
    expect(traceLine({ ...base, api: 'uploadFile', method: 'POST' }, plain)).toMatch(/uploadFile POST https:\/\/files\.example\.com\/api\/upload → 200 ok$/);
    expect(traceLine({ ...base, api: 'downloadFile', method: 'GET', errMsg: 'downloadFile:ok' }, plain)).toMatch(/ downloadFile GET https:/);
    const request = traceLine({ ...base, method: 'POST', errMsg: 'request:ok' }, plain);
    expect(request).toMatch(/ POST https:/);
    expect(request).not.toMatch(/uploadFile|downloadFile/);
  });

  it('a failed transfer shows its errMsg', () => {
    const line = traceLine({ kind: 'request', where: 'app', api: 'downloadFile', method: 'GET', url: 'http://127.0.0.1:1/x', errMsg: 'downloadFile:fail connect ECONNREFUSED' }, plain);
    expect(line).toMatch(/downloadFile GET http:\/\/127\.0\.0\.1:1\/x → downloadFile:fail connect ECONNREFUSED$/);
  });
});
