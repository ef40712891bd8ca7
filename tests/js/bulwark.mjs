// bulwark.mjs: start a live `bulwark serve` on a random loopback port for the
// JavaScript SDK v3 tests, as tests/api/bwtest.py does for boto3: its own data
// directory made by `bulwark init --json`, the port read from the "listening"
// log line, and a clean exit (status 0: no sanitizer report) checked at stop.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
export const BIN = process.env.BULWARK_BIN || resolve(HERE, '..', '..', 'build-test', 'bulwark');
export const REGION = 'us-east-1';

export class Server {
	static async start(...extraArgs) {
		const s = new Server();
		s.dataDir = mkdtempSync(join(tmpdir(), 'bw-js-'));
		const init = spawnSync(BIN, ['init', '--data-dir', s.dataDir, '--json', '--no-profile'], {
			encoding: 'utf8',
			timeout: 60_000,
		});
		if (init.status !== 0) {
			rmSync(s.dataDir, { recursive: true, force: true });
			throw new Error(`bulwark init failed (${init.status}): ${init.stderr}`);
		}
		s.account = JSON.parse(init.stdout);
		s.accountId = s.account.AccountId;
		s.lines = [];
		s.proc = spawn(
			BIN,
			['serve', '--listen', '127.0.0.1:0', '--data-dir', s.dataDir, '--threads', '2', ...extraArgs],
			{ stdio: ['ignore', 'ignore', 'pipe'] },
		);
		s.exited = new Promise((done) => s.proc.on('exit', (code, signal) => done(code ?? signal)));
		// the log is read to its end, or a full pipe would stall the server
		const listening = new Promise((done, fail) => {
			const timer = setTimeout(() => fail(new Error('bulwark did not start:\n' + s.tail())), 30_000);
			createInterface({ input: s.proc.stderr }).on('line', (raw) => {
				let entry;
				try {
					entry = JSON.parse(raw);
				} catch {
					entry = { raw };
				}
				s.lines.push(entry);
				if (entry.msg === 'listening') {
					clearTimeout(timer);
					done(entry.addr);
				}
			});
			s.exited.then((code) => {
				clearTimeout(timer);
				fail(new Error(`bulwark exited (${code}) before listening:\n` + s.tail()));
			});
		});
		try {
			s.addr = await listening;
		} catch (e) {
			s.proc.kill('SIGKILL');
			rmSync(s.dataDir, { recursive: true, force: true });
			throw e;
		}
		s.endpoint = `http://${s.addr}`;
		return s;
	}

	tail(n = 40) {
		return this.lines.slice(-n).map((l) => JSON.stringify(l)).join('\n');
	}

	get credentials() {
		return { accessKeyId: this.account.AccessKeyId, secretAccessKey: this.account.SecretAccessKey };
	}

	// The configuration of an SDK client talking to this server as the root.
	config(extra = {}) {
		return { endpoint: this.endpoint, region: REGION, credentials: this.credentials, ...extra };
	}

	// SIGTERM and a clean exit; throws with the log's tail otherwise.
	async stop() {
		if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill('SIGTERM');
		const timer = setTimeout(() => this.proc.kill('SIGKILL'), 30_000);
		const code = await this.exited;
		clearTimeout(timer);
		rmSync(this.dataDir, { recursive: true, force: true });
		if (code !== 0) throw new Error(`bulwark exited with ${code}:\n` + this.tail());
	}
}

// RFC 9110 5.6.7's IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT".
export const IMF_FIXDATE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;
