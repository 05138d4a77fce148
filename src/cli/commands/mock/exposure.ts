// Whether the mock can be reached from other machines, and what the person starting it should then be told: its
// admin API and client simulator answer anyone unless an admin token guards /__admin.
import { isIP } from 'node:net';

/** The environment variable that carries the admin token (argv is visible to every user of the machine). */
export const ADMIN_TOKEN_ENV = 'WXLOGIN_MOCK_ADMIN_TOKEN';

/** 127.0.0.0/8, ::1 and IPv4-mapped loopback: reachable from this machine only. */
export function isLoopback(address: string): boolean {
  const a = address.replace(/^\[|\]$/g, '').toLowerCase();
  if (a === 'localhost') return true;
  const v4 = a.startsWith('::ffff:') ? a.slice(7) : a;
  if (isIP(v4) === 4) return v4.startsWith('127.');
  return a === '::1' || a === '0:0:0:0:0:0:0:1';
}

export function exposureWarnings(address: string, guarded: boolean): string[] {
  if (isLoopback(address)) return [];
  const where = `the mock listens on ${address}, which other machines may reach`;
  return guarded
    ? [`warning: ${where}: the client simulator (/__client) has no authentication (the admin API requires the admin token)`]
    : [
        `warning: ${where}: the admin API (/__admin: app secrets, session keys, users, faults, clock, reset) and the ` +
          `client simulator (/__client) have no authentication. Set --admin-token TOKEN (or ${ADMIN_TOKEN_ENV}) to ` +
          'require Authorization: Bearer TOKEN on /__admin, or listen on 127.0.0.1.',
      ];
}
