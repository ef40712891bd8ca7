// A client whose clock is 20 minutes off: bulwark refuses the signature as
// AWS does and dates its answer, and the JavaScript SDK v3 corrects its
// clock from that Date (systemClockOffset) and succeeds on its retry.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';

import { CreateKeyCommand, KMSClient, ListKeysCommand } from '@aws-sdk/client-kms';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';

import { IMF_FIXDATE, Server } from './bulwark.mjs';

const SKEW_MS = 20 * 60 * 1000;

let server;
before(async () => {
	server = await Server.start();
});
after(async () => {
	await server?.stop();
});

for (const offset of [-SKEW_MS, SKEW_MS]) {
	const way = offset < 0 ? 'behind' : 'ahead';

	test(`STS (awsQuery) recovers from a clock 20 minutes ${way}`, async () => {
		const sts = new STSClient(server.config({ systemClockOffset: offset }));
		const out = await sts.send(new GetCallerIdentityCommand({}));
		assert.equal(out.Account, server.accountId);
		assert.equal(out.$metadata.attempts, 2, 'one refused attempt, one corrected');
		const corrected = await sts.config.systemClockOffset;
		assert.ok(Math.abs(corrected) < 60_000, `offset now ${corrected} ms`);
		// the corrected clock holds: the next call goes through at once
		const again = await sts.send(new GetCallerIdentityCommand({}));
		assert.equal(again.$metadata.attempts, 1);
	});

	test(`KMS (awsJson) recovers from a clock 20 minutes ${way}`, async () => {
		const kms = new KMSClient(server.config({ systemClockOffset: offset }));
		const out = await kms.send(new CreateKeyCommand({ Description: `skewed ${way}` }));
		assert.equal(out.KeyMetadata.KeyState, 'Enabled');
		assert.equal(out.$metadata.attempts, 2);
		const list = await kms.send(new ListKeysCommand({}));
		assert.equal(list.$metadata.attempts, 1);
		assert.ok(list.Keys.some((k) => k.KeyId === out.KeyMetadata.KeyId));
	});
}

test('the refusal is AWS\'s: 403 SignatureDoesNotMatch (query), 400 InvalidSignatureException (json)', async () => {
	// no retries: the first answer is what is checked
	const sts = new STSClient(server.config({ systemClockOffset: -SKEW_MS, maxAttempts: 1 }));
	await assert.rejects(sts.send(new GetCallerIdentityCommand({})), (err) => {
		assert.equal(err.name, 'SignatureDoesNotMatch');
		assert.equal(err.$metadata.httpStatusCode, 403);
		assert.match(err.message, /^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 15 min\.\)$/);
		assert.match(err.$response.headers.date, IMF_FIXDATE);
		assert.equal(err.$metadata.clockSkewCorrected, true);
		return true;
	});
	const kms = new KMSClient(server.config({ systemClockOffset: SKEW_MS, maxAttempts: 1 }));
	await assert.rejects(kms.send(new ListKeysCommand({})), (err) => {
		assert.equal(err.name, 'InvalidSignatureException');
		assert.equal(err.$metadata.httpStatusCode, 400);
		assert.match(err.message, /^Signature not yet current: \d{8}T\d{6}Z is still later than \d{8}T\d{6}Z \(\d{8}T\d{6}Z \+ 15 min\.\)$/);
		assert.match(err.$response.headers.date, IMF_FIXDATE);
		return true;
	});
});

test('every answer is dated: health, unsigned, unknown paths, and what the HTTP layer answers', async () => {
	const now = Date.now();
	for (const [path, init, status] of [
		['/_bulwark/health', {}, 200],
		['/_bulwark/nothing', {}, 404],
		['/', { method: 'POST', headers: { 'X-Amz-Target': 'TrentService.ListKeys', 'Content-Type': 'application/x-amz-json-1.1' }, body: '{}' }, 400],
	]) {
		const res = await fetch(server.endpoint + path, init).catch((e) => e);
		if (res instanceof Error) throw new Error(`${path}: ${res.cause ?? res}`);
		assert.equal(res.status, status, path);
		const date = res.headers.get('date');
		assert.match(date, IMF_FIXDATE, path);
		assert.ok(Math.abs(Date.parse(date) - now) < 60_000, `${path}: ${date}`);
		await res.arrayBuffer();
	}
	// a body over the limit is refused by the HTTP layer on its Content-Length
	const head = await rawRequest(
		server.addr,
		'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 999999999999\r\n\r\n',
	);
	assert.match(head, /^HTTP\/1\.1 413 /);
	assert.match(head, /\r\nDate: (Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} GMT\r\n/);
});

// The bytes of the answer to one raw request, read until the server closes.
function rawRequest(addr, text) {
	const [host, port] = [addr.slice(0, addr.lastIndexOf(':')), Number(addr.slice(addr.lastIndexOf(':') + 1))];
	return new Promise((done, fail) => {
		const chunks = [];
		const sock = connect({ host, port }, () => sock.write(text));
		sock.setTimeout(10_000, () => sock.destroy(new Error('no answer')));
		sock.on('data', (d) => chunks.push(d));
		sock.on('error', fail);
		sock.on('close', () => done(Buffer.concat(chunks).toString('latin1')));
	});
}
