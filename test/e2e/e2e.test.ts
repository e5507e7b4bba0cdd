/* eslint-disable @n8n/community-nodes/no-restricted-imports, @n8n/community-nodes/no-restricted-globals -- end-to-end tests run in Node and drive real n8n, never inside n8n */
/**
 * End-to-end tests in real n8n (npm run test:e2e): what only real n8n shows, on each pinned
 * release. The packed package loads and runs the shipped examples with `n8n execute`; the editor's
 * REST calls reach its credential Test, pickers and Inputs fields, and Chromium shows them; n8n's
 * AI Agent calls it as a tool; bursts of webhook executions share one window per process, also in
 * queue mode. Behaviour (outputs, options, errors, faults) is jest's, through n8n's runtime on both
 * majors.
 *
 * One describe per version (N8N_E2E_VERSIONS=v2 or v1 narrows it), its cases sharing one World
 * (test/support/world.ts): one user folder, one import, one `n8n start`; the editor in Chromium
 * (ui.ts) among them. To add a case, write an E2eCase (its workflows, its tests) and list it in
 * ALL. N8N_E2E_CASES=ui,agent runs only those. The TAP summary ends with "# pass N".
 */
import assert from 'node:assert/strict';
import { after, before, describe } from 'node:test';

import { resolveVersion } from '../../tools/n8n-install/index.ts';
import type { E2eCase } from '../support/world.ts';
import { budget, World } from '../support/world.ts';
import { agentCase } from './agent.ts';
import { editorCase } from './editor.ts';
import { examplesCase } from './examples.ts';
import { uiCase } from './ui.ts';
import { burstCase, queueCase } from './webhooks.ts';

const ALL: Record<string, E2eCase> = {
	examples: examplesCase,
	editor: editorCase,
	agent: agentCase,
	burst: burstCase,
	queue: queueCase,
	ui: uiCase,
};
// N8N_E2E_CASES=ui (npm run test:ui) runs only those cases, and imports only their workflows.
const names = process.env.N8N_E2E_CASES?.split(',').map((name) => name.trim()) ?? Object.keys(ALL);
const CASES = names.map((name) => ALL[name] ?? assert.fail(`no e2e case ${name}`));

for (const label of (process.env.N8N_E2E_VERSIONS ?? 'v2,v1').split(',')) {
	const version = resolveVersion(label.trim());
	describe(`n8n ${version}`, () => {
		const world = new World(version);
		// Installing n8n (once per machine), the package and two imports.
		before(async () => await world.setUp(CASES), budget({ starts: 3 }));
		after(async () => await world.tearDown());
		for (const { name, tests } of CASES) describe(name, () => tests(world));
	});
}
