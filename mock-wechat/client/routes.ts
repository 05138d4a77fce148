// The client simulator's face: POST /__client/<api> for each wx.* call, each in its own context so its one error
// handler can name the api in errMsg ("<api>:fail <why>", 400 for a bad call, 500 otherwise).
import type { FastifyInstance } from 'fastify';
import { MockUsageError } from '../errors.js';
import type { Instrument } from '../http/instrument.js';
import { CLIENT_APIS } from './apis.js';
import { clientBody, clientResponses } from './schemas.js';
import type { ClientResult, MockClientApi } from './types.js';

export const CLIENT_PATHS = CLIENT_APIS.map((n) => `/__client/${n}`);

export function registerClientApi(app: FastifyInstance, client: MockClientApi, http: Instrument): void {
  app.register(async (cli) => {
    for (const name of CLIENT_APIS) {
      const fn = client[name] as (b: unknown) => ClientResult;
      cli.register(async (one) => {
        one.setErrorHandler((err: Error & { statusCode?: number; validation?: unknown }, request, reply) => {
          const status = err instanceof MockUsageError ? err.status : err.statusCode && err.statusCode < 500 ? 400 : 500;
          const why = err instanceof MockUsageError ? err.message : `parameter error: ${err.message}`;
          http.answer(request, reply, { errMsg: `${name}:fail ${why}` }, status);
        });
        one.post(`/__client/${name}`, {
          schema: { body: clientBody(name), response: clientResponses },
          ...http.hooks({ endpoint: `/__client/${name}`, side: 'client', api: name }),
          handler: (request, reply) => {
            http.answer(request, reply, fn(request.body));
          },
        });
      });
    }
  });
}
