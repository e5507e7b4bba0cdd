/**
 * Moved to test/harness/localServer.ts (one place for test helpers). Only
 * server-dataset.test.ts still imports it from here; delete this file once it imports
 * '../harness/localServer'.
 */
export type { Json, Server } from '../harness/localServer';
export { readAnswer, useServers } from '../harness/localServer';
