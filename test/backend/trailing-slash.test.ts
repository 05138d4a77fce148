// Tutorial clients post to `URL + 'login/'`: the reference backend's routes answer with a trailing slash too.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { code, makeBackend, startMock, type Mock } from './helpers.js';

let mock: Mock;
let backend: Awaited<ReturnType<typeof makeBackend>>;
beforeAll(async () => {
  mock = await startMock();
  backend = await makeBackend(mock);
});
afterAll(async () => {
  await backend?.app.close();
  await mock?.close();
});

it('POST /login/ and /userinfo/ reach the routes of /login and /userinfo', async () => {
  const login = await backend.app.inject({ method: 'POST', url: '/login/', payload: { code: code(mock) } });
  expect(login.statusCode).toBe(200);
  expect(typeof login.json().data.token).toBe('string');
  const info = await backend.app.inject({ method: 'POST', url: '/userinfo/', payload: { token: login.json().data.token } });
  // Reached the route: its schema refused the body (no encryptedData), rather than a 404.
  expect(info.statusCode).not.toBe(404);
});
