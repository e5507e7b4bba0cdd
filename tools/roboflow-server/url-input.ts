/* eslint-disable @n8n/community-nodes/no-restricted-imports -- the local test server downloads image URLs with Node's http, https and net, never inside n8n */
/**
 * Image URL input (`image=` query parameter), with Inference's URL rules (docs/roboflow-api.md §3.1,
 * `inference/core/utils/image_utils.py` `_validate_url_destination`). Defaults are Roboflow's
 * (every hosted deployment): URL input on, only `https://`, and the host must be a domain name
 * with a public suffix (no IP address, no `localhost`, no single-label or `.internal`-style
 * name). The options relax them like a self-hosted server's env flags.
 */
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';

import { IMAGE_CAUSES } from './errors.ts';

export interface UrlRules {
	/** `ALLOW_URL_INPUT` (default true). */
	allowUrlInput: boolean;
	/** `ALLOW_NON_HTTPS_URL_INPUT` (default false). */
	allowNonHttps: boolean;
	/** `ALLOW_URL_INPUT_WITHOUT_FQDN` (default false). */
	allowWithoutFqdn: boolean;
	/** `WHITELISTED_DESTINATIONS_FOR_URL_INPUT`: when set, only these hosts. */
	allowList?: readonly string[];
	/** `BLACKLISTED_DESTINATIONS_FOR_URL_INPUT`. */
	denyList?: readonly string[];
	/** `MAX_IMAGE_URL_REDIRECTS` (default 30). */
	maxRedirects: number;
}

export const DEFAULT_URL_RULES: UrlRules = {
	allowUrlInput: true,
	allowNonHttps: false,
	allowWithoutFqdn: false,
	maxRedirects: 30,
};

/**
 * Names without a public suffix (tldextract then finds no FQDN). Not the whole Public Suffix
 * List: any other all-letter last label of 2+ characters counts as a public suffix here.
 */
const NOT_PUBLIC_SUFFIXES = new Set([
	'localhost',
	'local',
	'internal',
	'lan',
	'home',
	'corp',
	'intranet',
	'private',
	'localdomain',
	'test',
	'invalid',
	'example',
	'arpa',
]);

/** True when Inference would find an FQDN in this host name. */
export function hasFqdn(hostname: string): boolean {
	const host = hostname
		.replace(/^\[|\]$/g, '')
		.replace(/\.$/, '')
		.toLowerCase();
	if (!host || net.isIP(host)) return false;
	const labels = host.split('.');
	if (labels.length < 2 || labels.some((label) => !label)) return false;
	const tld = labels[labels.length - 1];
	if (NOT_PUBLIC_SUFFIXES.has(tld)) return false;
	return /^[a-z]{2,63}$/.test(tld) || /^xn--[a-z0-9-]+$/.test(tld);
}

/**
 * The cause of a refusal ("Could not load input image. Cause: <cause>"), or undefined when
 * the URL may be fetched. Checked in Inference's order: URL input enabled, parse, scheme,
 * FQDN, allow list, deny list.
 */
export function urlRefusal(value: string, rules: UrlRules): string | undefined {
	if (!rules.allowUrlInput) return IMAGE_CAUSES.urlDisabled;
	let url: URL;
	try {
		url = new URL(value);
	} catch {
		return IMAGE_CAUSES.urlInvalid;
	}
	if (url.protocol !== 'https:' && !rules.allowNonHttps) return IMAGE_CAUSES.urlNotHttps;
	if ((url.protocol === 'http:' || url.protocol === 'https:') && !url.hostname)
		return IMAGE_CAUSES.urlInvalid;
	if (!hasFqdn(url.hostname) && !rules.allowWithoutFqdn) return IMAGE_CAUSES.urlNoFqdn;
	const destination = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
	if (rules.allowList && !rules.allowList.includes(destination))
		return IMAGE_CAUSES.urlNotWhitelisted;
	if (rules.denyList?.includes(destination)) return IMAGE_CAUSES.urlBlacklisted;
	return undefined;
}

/** Downloads a URL (http or https), following up to `maxRedirects` redirects; rejects on HTTP >= 400. */
export function fetchUrl(value: string, maxRedirects: number): Promise<Buffer> {
	return new Promise((resolve, reject) => {
		let url: URL;
		try {
			url = new URL(value);
		} catch (error) {
			reject(error);
			return;
		}
		if (url.protocol !== 'http:' && url.protocol !== 'https:') {
			reject(new Error(`No connection adapters were found for '${value}'`));
			return;
		}
		const client = url.protocol === 'https:' ? https : http;
		const request = client.get(url, (res) => {
			const status = res.statusCode ?? 0;
			if (status >= 300 && status < 400 && res.headers.location) {
				res.resume();
				if (maxRedirects <= 0) {
					reject(new Error('Exceeded 30 redirects.'));
					return;
				}
				fetchUrl(new URL(res.headers.location, url).toString(), maxRedirects - 1).then(
					resolve,
					reject,
				);
				return;
			}
			if (status >= 400) {
				res.resume();
				reject(new Error(`HTTP ${status}`));
				return;
			}
			const chunks: Buffer[] = [];
			res.on('data', (chunk: Buffer) => chunks.push(chunk));
			res.on('end', () => resolve(Buffer.concat(chunks)));
			res.on('error', reject);
		});
		request.on('error', reject);
		request.setTimeout(30_000, () => request.destroy(new Error('timed out')));
	});
}
