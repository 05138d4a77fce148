export * from '../vectors.js';
