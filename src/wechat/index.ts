export * from './client.js';
export * from './access-token.js';
