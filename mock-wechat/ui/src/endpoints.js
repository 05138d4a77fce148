// The paths the journal records and faults may target, from the mock's own tables (bundled at build time, so the
// page's lists cannot drift from the server's).
import { SERVER_ENDPOINTS } from '../../server-api/endpoints.ts';
import { CLIENT_APIS } from '../../client/apis.ts';

export const ENDPOINTS = [...SERVER_ENDPOINTS, ...CLIENT_APIS.map((n) => `/__client/${n}`)];
export const FAULT_KINDS = ['errcode', 'latency', 'http5xx', 'drop', 'textPlain'];
/** The kinds a fault "after" processing takes (faults.ts AFTER_KINDS). */
export const AFTER_KINDS = ['drop', 'http5xx', 'latency'];
