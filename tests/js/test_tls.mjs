// The JavaScript SDK v3 over TLS: the server `bulwark init` set up serves
// https on its port with the certificate of the local CA init made
// (<data-dir>/tls/ca.pem). The SDK trusts that CA through an https agent,
// or, unmodified, through NODE_EXTRA_CA_CERTS and a shared config profile
// naming the https endpoint; without it the connection is refused; the
// trail records the TLS details of the encrypted calls.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { CloudTrailClient, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import { CreateKeyCommand, DecryptCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';

import { REGION, Server } from './bulwark.mjs';

let server;
let ca;
before(async () => {
	server = await Server.start();
	ca = join(server.dataDir, 'tls', 'ca.pem');
});
after(async () => {
	await server?.stop();
});

const port = () => server.addr.split(':').pop();
const overTls = (host = '127.0.0.1', agentOptions = { ca: readFileSync(ca) }) =>
	server.config({ endpoint: `https://${host}:${port()}`, requestHandler: { httpsAgent: new Agent(agentOptions) }, maxAttempts: 1 });

test('STS and KMS over https, the certificate checked against init CA, for 127.0.0.1 and localhost', async () => {
	for (const host of ['127.0.0.1', 'localhost']) {
		const who = await new STSClient(overTls(host)).send(new GetCallerIdentityCommand({}));
		assert.equal(who.Account, server.accountId);
	}
	const kms = new KMSClient(overTls());
	const { KeyMetadata: key } = await kms.send(new CreateKeyCommand({}));
	const enc = await kms.send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: Buffer.from('over tls') }));
	const dec = await kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob }));
	assert.equal(Buffer.from(dec.Plaintext).toString(), 'over tls');

	// the trail tells the encrypted call from a plain one
	const ct = new CloudTrailClient(server.config());
	let ev;
	for (let i = 0; i < 50 && !ev; i++) {
		const out = await ct.send(new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'Encrypt' }] }));
		ev = out.Events.find((e) => JSON.parse(e.CloudTrailEvent).requestID === enc.$metadata.requestId);
		if (!ev) await new Promise((done) => setTimeout(done, 100));
	}
	assert.ok(ev, 'the Encrypt call is in the trail');
	const tls = JSON.parse(ev.CloudTrailEvent).tlsDetails;
	assert.match(tls?.tlsVersion ?? '', /^TLSv1\.[23]$/, JSON.stringify(tls));
	assert.ok(tls.cipherSuite);
});

test('a certificate the client does not trust is refused by the SDK', async () => {
	const sts = new STSClient(overTls('127.0.0.1', {}));
	await assert.rejects(sts.send(new GetCallerIdentityCommand({})), (err) => {
		assert.match(err.code ?? err.name, /CERT|SELF_SIGNED|UNABLE_TO_VERIFY/, `${err.name} ${err.code} ${err.message}`);
		assert.equal(err.$metadata?.httpStatusCode, undefined, 'no HTTP answer was read');
		return true;
	});
});

test('an unmodified client from a shared config profile and NODE_EXTRA_CA_CERTS', () => {
	const config = join(server.dataDir, 'js-config');
	const credentials = join(server.dataDir, 'js-credentials');
	writeFileSync(config, `[profile bulwark]\nregion = ${REGION}\nendpoint_url = https://127.0.0.1:${port()}\n`);
	writeFileSync(
		credentials,
		`[bulwark]\naws_access_key_id = ${server.account.AccessKeyId}\naws_secret_access_key = ${server.account.SecretAccessKey}\n`,
	);
	const script = `
		import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
		const out = await new STSClient({}).send(new GetCallerIdentityCommand({}));
		console.log(JSON.stringify({ account: out.Account, arn: out.Arn }));`;
	const env = { ...process.env, AWS_CONFIG_FILE: config, AWS_SHARED_CREDENTIALS_FILE: credentials, AWS_PROFILE: 'bulwark', NODE_EXTRA_CA_CERTS: ca };
	for (const k of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_REGION', 'AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_STS'])
		delete env[k];
	const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: dirname(fileURLToPath(import.meta.url)), env, encoding: 'utf8', timeout: 60_000 });
	assert.equal(r.status, 0, r.stderr);
	assert.deepEqual(JSON.parse(r.stdout), { account: server.accountId, arn: `arn:aws:iam::${server.accountId}:root` });
});
