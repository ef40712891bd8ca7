// KMS (awsJson 1.1) through the JavaScript SDK v3.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
	CreateKeyCommand,
	DecryptCommand,
	DescribeKeyCommand,
	EncryptCommand,
	GenerateDataKeyCommand,
	KMSClient,
} from '@aws-sdk/client-kms';

import { IMF_FIXDATE, Server } from './bulwark.mjs';

let server;
before(async () => {
	server = await Server.start();
});
after(async () => {
	await server?.stop();
});

test('KMS CreateKey, Encrypt, Decrypt, GenerateDataKey', async () => {
	const kms = new KMSClient(server.config());
	const created = await kms.send(new CreateKeyCommand({ Description: 'js sdk' }));
	const key = created.KeyMetadata;
	assert.equal(key.KeySpec, 'SYMMETRIC_DEFAULT');
	assert.equal(key.KeyUsage, 'ENCRYPT_DECRYPT');
	assert.equal(key.KeyState, 'Enabled');
	assert.equal(key.Arn, `arn:aws:kms:us-east-1:${server.accountId}:key/${key.KeyId}`);
	assert.ok(key.CreationDate instanceof Date);

	const plaintext = new TextEncoder().encode('attack at dawn');
	const context = { purpose: 'js-test' };
	const enc = await kms.send(
		new EncryptCommand({ KeyId: key.KeyId, Plaintext: plaintext, EncryptionContext: context }),
	);
	assert.equal(enc.KeyId, key.Arn);
	assert.ok(enc.CiphertextBlob instanceof Uint8Array && enc.CiphertextBlob.length > plaintext.length);

	const dec = await kms.send(
		new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob, EncryptionContext: context }),
	);
	assert.equal(dec.KeyId, key.Arn);
	assert.deepEqual(Buffer.from(dec.Plaintext), Buffer.from(plaintext));

	// another context is another key: InvalidCiphertextException
	await assert.rejects(
		kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob, EncryptionContext: { purpose: 'x' } })),
		{ name: 'InvalidCiphertextException' },
	);

	const dk = await kms.send(new GenerateDataKeyCommand({ KeyId: key.Arn, KeySpec: 'AES_256' }));
	assert.equal(dk.Plaintext.length, 32);
	const unwrapped = await kms.send(new DecryptCommand({ CiphertextBlob: dk.CiphertextBlob }));
	assert.deepEqual(Buffer.from(unwrapped.Plaintext), Buffer.from(dk.Plaintext));
});

test('KMS DescribeKey of no key is NotFoundException, 400, dated', async () => {
	const kms = new KMSClient(server.config());
	const missing = '11111111-2222-3333-4444-555555555555';
	await assert.rejects(kms.send(new DescribeKeyCommand({ KeyId: missing })), (err) => {
		assert.equal(err.name, 'NotFoundException');
		assert.equal(err.$fault, 'client');
		assert.equal(err.$metadata.httpStatusCode, 400);
		assert.ok(err.message.includes(missing), err.message);
		assert.ok(err.$metadata.requestId);
		assert.match(err.$response.headers.date, IMF_FIXDATE);
		return true;
	});
});
