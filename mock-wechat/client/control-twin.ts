// The client simulator as `control.client`: the same answers as over HTTP, including the errMsg of a bad call
// (which HTTP sends with a 400).
import { MockUsageError } from '../errors.js';
import { CLIENT_APIS, type ClientApiName } from './apis.js';
import type { ClientResult, MockClientApi } from './types.js';

export function wrapForControl(api: MockClientApi): MockClientApi {
  const out = {} as Record<ClientApiName, (b: never) => ClientResult>;
  for (const name of CLIENT_APIS) {
    const fn = api[name] as (b: never) => ClientResult;
    out[name] = (b: never) => {
      try {
        return fn(b);
      } catch (err) {
        if (err instanceof MockUsageError) return { errMsg: `${name}:fail ${err.message}` };
        throw err;
      }
    };
  }
  return out as unknown as MockClientApi;
}
