export * from './open-data.js';
