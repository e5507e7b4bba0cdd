'use strict';
/**
 * A local server that speaks Roboflow's classification contract (see README, "Local Roboflow
 * server"): the legacy route POST /{project}/{version}?api_key=..., a bare base64 body or an
 * `image=` URL, single-label and multi-label answers, Roboflow's error statuses and
 * `{"message": ...}` bodies, plus GET / as the management API's key check. It decodes the
 * PNG or JPEG it gets and classifies it by colour, so answers depend on the real bytes.
 * Faults (latency, 429 with Retry-After, 503, dropped connections, hostile bodies) can be
 * injected for tests and the benchmark. Dev tooling only: not part of the published package.
 */
const crypto = require('node:crypto');
const http = require('node:http');
const { PNG } = require('pngjs');
const jpeg = require('jpeg-js');

const DEFAULT_MODELS = {
	'colors/1': 'colors',
	'tones/1': 'tones',
};

/** @param {Buffer} bytes */
function decodeImage(bytes) {
	if (bytes.length >= 4 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) {
		const png = PNG.sync.read(bytes);
		return { width: png.width, height: png.height, data: png.data };
	}
	if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) {
		const image = jpeg.decode(bytes, { useTArray: true, maxMemoryUsageInMB: 1024 });
		return { width: image.width, height: image.height, data: image.data };
	}
	throw new Error('not a PNG or JPEG image');
}

/**
 * Width and height from a PNG's IHDR chunk or a JPEG's SOFn marker, without decoding pixels
 * (the benchmark's header-only mode, where the server must not be the bottleneck).
 */
function readImageSize(bytes) {
	if (bytes.length >= 24 && bytes[0] === 0x89 && bytes[1] === 0x50) {
		return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
	}
	if (bytes.length >= 4 && bytes[0] === 0xff && bytes[1] === 0xd8) {
		for (let i = 2; i + 9 < bytes.length; ) {
			if (bytes[i] !== 0xff) break;
			const marker = bytes[i + 1];
			const isFrame = marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker);
			if (isFrame) return { width: bytes.readUInt16BE(i + 7), height: bytes.readUInt16BE(i + 5) };
			i += 2 + bytes.readUInt16BE(i + 2);
		}
	}
	throw new Error('not a PNG or JPEG image');
}

/** Stand-in colour statistics derived from a content hash: stable per image, no decoding. */
function statsFromHash(hex) {
	const [r, g, b, sat] = [0, 2, 4, 6].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255);
	return { r, g, b, luminance: 0.2126 * r + 0.7152 * g + 0.0722 * b, saturation: sat };
}

/** Mean red, green, blue (0..1), luminance and chroma ("saturation") of an RGBA image. */
function colourStats({ data }) {
	let r = 0;
	let g = 0;
	let b = 0;
	let sat = 0;
	// Sampling every 7th pixel keeps large images fast and the answer the same for a uniform image.
	const step = 4 * 7;
	let n = 0;
	for (let i = 0; i + 3 < data.length; i += step) {
		const pr = data[i] / 255;
		const pg = data[i + 1] / 255;
		const pb = data[i + 2] / 255;
		r += pr;
		g += pg;
		b += pb;
		const max = Math.max(pr, pg, pb);
		const min = Math.min(pr, pg, pb);
		sat += max - min;
		n++;
	}
	r /= n;
	g /= n;
	b /= n;
	return { r, g, b, luminance: 0.2126 * r + 0.7152 * g + 0.0722 * b, saturation: sat / n };
}

const round4 = (x) => Math.round(x * 10_000) / 10_000;

/** Roboflow's threshold quirk: values >= 1 are percentages, values below 0.01 are raised to it. */
function threshold(raw) {
	if (raw === null || raw === undefined || raw === '') return 0.4;
	let value = Number(raw);
	if (!Number.isFinite(value)) return 0.4;
	if (value >= 1) value /= 100;
	return Math.max(0.01, value);
}

function classifyColors(stats, confidence) {
	const logits = [stats.r, stats.g, stats.b].map((x) => x * 8);
	const max = Math.max(...logits);
	const exps = logits.map((x) => Math.exp(x - max));
	const sum = exps.reduce((a, b) => a + b, 0);
	const predictions = ['red', 'green', 'blue']
		.map((name, classId) => ({ class: name, class_id: classId, confidence: round4(exps[classId] / sum) }))
		.filter((p) => p.confidence >= confidence)
		.sort((a, b) => b.confidence - a.confidence);
	return {
		predictions,
		top: predictions[0]?.class ?? '',
		confidence: predictions[0]?.confidence ?? 0,
	};
}

function classifyTones(stats, confidence) {
	const scores = {
		bright: round4(stats.luminance),
		dark: round4(1 - stats.luminance),
		colourful: round4(stats.saturation),
	};
	const predictions = {};
	Object.entries(scores).forEach(([name, score], classId) => {
		predictions[name] = { confidence: score, class_id: classId };
	});
	return {
		predictions,
		predicted_classes: Object.keys(scores).filter((name) => scores[name] >= confidence),
	};
}

/** Which injected fault (if any) an image's first attempt gets: a stable pick by content hash. */
function pickFault(plan, key) {
	if (!plan?.length) return undefined;
	const hash = crypto.createHash('sha1').update(key).digest();
	const position = hash.readUInt32BE(0) / 0x1_0000_0000;
	let edge = 0;
	for (const fault of plan) {
		edge += fault.share;
		if (position < edge) return fault;
	}
	return undefined;
}

function newStats() {
	return {
		requests: 0,
		inFlight: 0,
		maxInFlight: 0,
		/** @type {Record<number, number>} */
		statuses: {},
		injected: { 429: 0, 503: 0, drop: 0, other: 0 },
		/** Requests for an image already seen: what a client's retries look like from here. */
		repeats: 0,
		/** @type {number[]} */
		arrivals: [],
		/** @type {Record<string, number>} Content-Type headers of classification requests with a body. */
		contentTypes: {},
	};
}

/**
 * `headerOnly` (for the benchmark) reads only the image's size from its header and derives the
 * class from a content hash, so that the server's own CPU time does not limit the measurement.
 * @param {{ apiKeys?: string[], models?: Record<string, string>, workspace?: string, headerOnly?: boolean }} [options]
 */
function createRoboflowServer(options = {}) {
	const apiKeys = new Set(options.apiKeys ?? ['local-test-key']);
	const models = { ...DEFAULT_MODELS, ...(options.models ?? {}) };
	const images = new Map();
	const seen = new Map();
	const state = {
		stats: newStats(),
		/** @type {{ latencyMs?: number | ((body: Buffer, url: URL) => number), firstAttempt?: any[], always?: any }} */
		faults: {},
	};

	const send = (res, status, body, headers = {}) => {
		const text = typeof body === 'string' ? body : JSON.stringify(body);
		state.stats.statuses[status] = (state.stats.statuses[status] ?? 0) + 1;
		res.writeHead(status, {
			'Content-Type': typeof body === 'string' ? 'text/html; charset=utf-8' : 'application/json',
			'Content-Length': Buffer.byteLength(text),
			...headers,
		});
		res.end(text);
	};

	const readBody = (req) =>
		new Promise((resolve, reject) => {
			const chunks = [];
			req.on('data', (c) => chunks.push(c));
			req.on('end', () => resolve(Buffer.concat(chunks)));
			req.on('error', reject);
		});

	const fetchImage = (url) =>
		new Promise((resolve, reject) => {
			const client = url.startsWith('https:') ? require('node:https') : http;
			client
				.get(url, (res) => {
					if ((res.statusCode ?? 0) >= 400) {
						res.resume();
						reject(new Error(`HTTP ${res.statusCode}`));
						return;
					}
					const chunks = [];
					res.on('data', (c) => chunks.push(c));
					res.on('end', () => resolve(Buffer.concat(chunks)));
				})
				.on('error', reject);
		});

	const applyFault = (fault, req, res) => {
		const kind = fault.kind;
		if (kind === '429' || kind === '503' || kind === '502' || kind === '504') {
			const status = Number(kind);
			state.stats.injected[status === 429 || status === 503 ? status : 'other']++;
			const message =
				status === 429
					? 'Rate limit exceeded'
					: status === 503
						? 'Model is temporarily not ready - retry request'
						: 'Upstream failure';
			send(res, status, { message }, fault.retryAfter !== undefined ? { 'Retry-After': String(fault.retryAfter) } : {});
			return true;
		}
		if (kind === 'drop') {
			state.stats.injected.drop++;
			req.socket.destroy();
			return true;
		}
		state.stats.injected.other++;
		if (kind === 'status') {
			send(res, fault.status, { message: fault.message ?? `Injected HTTP ${fault.status}` }, fault.headers ?? {});
		} else if (kind === 'html') {
			send(res, fault.status ?? 502, '<html><body><h1>502 Bad Gateway</h1></body></html>');
		} else if (kind === 'truncated') {
			const text = '{"inference_id":"x","predictions":[{"class":"red","confid';
			res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': 400 });
			res.write(text);
			setTimeout(() => req.socket.destroy(), 20);
		} else if (kind === 'notJson') {
			res.writeHead(200, { 'Content-Type': 'application/json' });
			res.end('this is not json');
		} else if (kind === 'noPredictions') {
			send(res, 200, { inference_id: 'x', time: 0.01, image: { width: 1, height: 1 } });
		} else if (kind === 'huge') {
			const chunk = Buffer.alloc(64 * 1024, 0x20);
			let left = fault.bytes ?? 64 * 1024 * 1024;
			res.writeHead(200, { 'Content-Type': 'application/json' });
			res.write('{"predictions":[');
			const pump = () => {
				while (left > 0) {
					left -= chunk.length;
					if (!res.write(chunk)) {
						res.once('drain', pump);
						return;
					}
				}
				res.end(']}');
			};
			res.on('close', () => {
				left = 0;
			});
			pump();
		} else if (kind === 'redirectLoop') {
			res.writeHead(307, { Location: req.url });
			res.end();
		} else if (kind === 'hang') {
			// Never answers; the client's timeout has to end it.
		} else {
			return false;
		}
		return true;
	};

	async function classify(req, res, url, modelKey) {
		const stats = state.stats;
		stats.requests++;
		stats.arrivals.push(Date.now());
		stats.inFlight++;
		stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
		let counted = true;
		const release = () => {
			if (counted) {
				counted = false;
				stats.inFlight--;
			}
		};
		res.on('close', release);

		const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
		const key = url.searchParams.get('api_key') ?? bearer;
		const body = await readBody(req);
		const { latencyMs } = state.faults;
		const delay = typeof latencyMs === 'function' ? latencyMs(body, url) : latencyMs;
		if (delay) await new Promise((r) => setTimeout(r, delay));

		if (!key) return send(res, 401, { message: 'Unauthorized api_key' });
		if (!apiKeys.has(key)) return send(res, 403, { message: 'Forbidden' });
		const model = models[modelKey];
		if (!model) return send(res, 404, { message: `Model ${modelKey} not found. Check the project and version.` });

		const imageUrl = url.searchParams.get('image');
		const identity = crypto.createHash('sha1').update(imageUrl ?? body).digest('hex');
		const attempts = (seen.get(identity) ?? 0) + 1;
		seen.set(identity, attempts);
		if (attempts > 1) stats.repeats++;

		if (state.faults.always && applyFault(state.faults.always, req, res)) return;
		if (attempts === 1) {
			const fault = pickFault(state.faults.firstAttempt, identity);
			if (fault && applyFault(fault, req, res)) return;
		}

		let bytes;
		if (imageUrl) {
			try {
				bytes = await fetchImage(imageUrl);
			} catch (error) {
				return send(res, 400, { message: `Could not load image from URL: ${error.message}` });
			}
		} else {
			const contentType = req.headers['content-type'];
			stats.contentTypes[contentType ?? ''] = (stats.contentTypes[contentType ?? ''] ?? 0) + 1;
			if (!contentType) return send(res, 400, { message: 'Content-Type header not provided with request.' });
			if (contentType.startsWith('multipart/form-data')) {
				return send(res, 400, { message: 'The local server accepts base64 bodies and image URLs only.' });
			}
			// Header-only mode checks and decodes just the start of the body, where the size is.
			const raw = options.headerOnly ? body.subarray(0, 64 * 1024) : body;
			const text = raw.toString('latin1').trim().replace(/^data:image\/[a-z+]+;base64,/i, '');
			if (!text || !/^[A-Za-z0-9+/\r\n]+={0,2}$/.test(options.headerOnly ? text.slice(0, 4096) : text)) {
				return send(res, 400, { message: 'Invalid base64 input' });
			}
			bytes = Buffer.from(text, 'base64');
		}

		let image;
		try {
			image = options.headerOnly ? readImageSize(bytes) : decodeImage(bytes);
		} catch (error) {
			return send(res, 400, { message: `Could not decode image: ${error.message}` });
		}
		const started = process.hrtime.bigint();
		const stats2 = options.headerOnly ? statsFromHash(identity) : colourStats(image);
		const confidence = threshold(url.searchParams.get('confidence'));
		const answer = model === 'colors' ? classifyColors(stats2, confidence) : classifyTones(stats2, confidence);
		send(res, 200, {
			inference_id: crypto.randomUUID(),
			time: Number(process.hrtime.bigint() - started) / 1e9,
			image: { width: image.width, height: image.height },
			...answer,
		});
	}

	const server = http.createServer((req, res) => {
		const url = new URL(req.url ?? '/', 'http://localhost');
		const parts = url.pathname.split('/').filter(Boolean);
		const handle = async () => {
			if (parts[0] === 'images' && parts.length === 2 && req.method === 'GET') {
				const image = images.get(decodeURIComponent(parts[1]));
				if (!image) return send(res, 404, { message: 'No such image' });
				res.writeHead(200, { 'Content-Type': image.mimeType, 'Content-Length': image.bytes.length });
				return res.end(image.bytes);
			}
			if (parts.length === 0 && req.method === 'GET') {
				const key = url.searchParams.get('api_key');
				if (!key || !apiKeys.has(key)) {
					return send(res, 401, { error: { message: 'This API key does not exist (or has been revoked).' } });
				}
				return send(res, 200, { welcome: 'Welcome to the Roboflow API.', workspace: options.workspace ?? 'local-workspace' });
			}
			if (parts.length === 2 && (req.method === 'POST' || req.method === 'GET')) {
				return classify(req, res, url, `${parts[0]}/${parts[1]}`);
			}
			return send(res, 404, { message: 'Not Found' });
		};
		handle().catch((error) => {
			if (!res.headersSent) send(res, 500, { message: `Internal error: ${error.message}` });
		});
	});
	server.keepAliveTimeout = 5_000;

	return {
		server,
		url: '',
		get stats() {
			return state.stats;
		},
		/** Replaces the fault plan; `{}` turns every fault off. */
		setFaults(faults) {
			state.faults = faults ?? {};
		},
		/** Clears counters and the record of images already seen. */
		reset() {
			state.stats = newStats();
			seen.clear();
		},
		/** Serves `bytes` at `${url}/images/${name}`, for URL-input tests. */
		addImage(name, bytes, mimeType = 'image/png') {
			images.set(name, { bytes, mimeType });
			return `${this.url}/images/${encodeURIComponent(name)}`;
		},
		async start(port = 0, host = '127.0.0.1') {
			await new Promise((resolve) => server.listen(port, host, () => resolve(undefined)));
			const address = /** @type {import('node:net').AddressInfo} */ (server.address());
			this.url = `http://${host}:${address.port}`;
			return this.url;
		},
		async stop() {
			server.closeAllConnections?.();
			await new Promise((resolve) => server.close(() => resolve(undefined)));
		},
	};
}

module.exports = { createRoboflowServer, decodeImage, readImageSize, threshold };

if (require.main === module) {
	const port = Number(process.env.PORT ?? 9001);
	const keys = (process.env.ROBOFLOW_LOCAL_KEYS ?? 'local-test-key').split(',');
	const instance = createRoboflowServer({ apiKeys: keys });
	instance.start(port).then((url) => {
		process.stdout.write(`Local Roboflow server on ${url} (models: ${Object.keys(DEFAULT_MODELS).join(', ')}; keys: ${keys.length})\n`);
	});
}
