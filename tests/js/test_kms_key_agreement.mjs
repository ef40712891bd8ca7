// KMS KEY_AGREEMENT keys and DeriveSharedSecret through the JavaScript SDK v3:
// the secret agrees with node's own ECDH both ways, and the errors arrive as
// the SDK's modelled exceptions.
import assert from 'node:assert/strict';
import { createPublicKey, diffieHellman, generateKeyPairSync } from 'node:crypto';
import { after, before, test } from 'node:test';

import {
	CreateKeyCommand,
	DeriveSharedSecretCommand,
	DescribeKeyCommand,
	DisableKeyCommand,
	GetPublicKeyCommand,
	KMSClient,
} from '@aws-sdk/client-kms';

import { Server } from './bulwark.mjs';

let server;
before(async () => {
	server = await Server.start();
});
after(async () => {
	await server?.stop();
});

const OPENSSL_NAMES = { 'P-256': 'prime256v1', 'P-384': 'secp384r1', 'P-521': 'secp521r1' };
const spki = (key) => new Uint8Array(key.export({ type: 'spki', format: 'der' }));

test('DeriveSharedSecret agrees with node ECDH on each NIST curve', async () => {
	const kms = new KMSClient(server.config());
	for (const [spec, curve, size] of [
		['ECC_NIST_P256', 'P-256', 32],
		['ECC_NIST_P384', 'P-384', 48],
		['ECC_NIST_P521', 'P-521', 66],
	]) {
		const md = (await kms.send(new CreateKeyCommand({ KeySpec: spec, KeyUsage: 'KEY_AGREEMENT' })))
			.KeyMetadata;
		assert.deepEqual(md.KeyAgreementAlgorithms, ['ECDH']);
		assert.equal(md.SigningAlgorithms, undefined);
		const described = (await kms.send(new DescribeKeyCommand({ KeyId: md.KeyId }))).KeyMetadata;
		assert.equal(described.KeyUsage, 'KEY_AGREEMENT');

		const pub = await kms.send(new GetPublicKeyCommand({ KeyId: md.KeyId }));
		assert.deepEqual(pub.KeyAgreementAlgorithms, ['ECDH']);
		const kmsPublic = createPublicKey({ key: Buffer.from(pub.PublicKey), format: 'der', type: 'spki' });
		assert.equal(kmsPublic.asymmetricKeyDetails.namedCurve, OPENSSL_NAMES[curve]);

		const local = generateKeyPairSync('ec', { namedCurve: curve });
		const out = await kms.send(
			new DeriveSharedSecretCommand({
				KeyId: md.Arn,
				KeyAgreementAlgorithm: 'ECDH',
				PublicKey: spki(local.publicKey),
			}),
		);
		const want = diffieHellman({ privateKey: local.privateKey, publicKey: kmsPublic });
		assert.equal(out.SharedSecret.length, size);
		assert.deepEqual(Buffer.from(out.SharedSecret), want);
		assert.equal(out.KeyId, md.Arn);
		assert.equal(out.KeyAgreementAlgorithm, 'ECDH');
		assert.equal(out.KeyOrigin, 'AWS_KMS');
	}
});

test('DeriveSharedSecret errors as the SDK models them', async () => {
	const kms = new KMSClient(server.config());
	const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' });
	const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
	const md = (await kms.send(new CreateKeyCommand({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'KEY_AGREEMENT' })))
		.KeyMetadata;
	const derive = (KeyId, PublicKey, extra = {}) =>
		kms.send(new DeriveSharedSecretCommand({ KeyId, KeyAgreementAlgorithm: 'ECDH', PublicKey, ...extra }));

	await assert.rejects(derive(md.KeyId, spki(p384.publicKey)), { name: 'ValidationException' });
	await assert.rejects(derive(md.KeyId, new TextEncoder().encode('not der')), {
		name: 'ValidationException',
	});
	await assert.rejects(derive(md.KeyId, spki(p256.publicKey), { DryRun: true }), {
		name: 'DryRunOperationException',
	});
	const signing = (await kms.send(new CreateKeyCommand({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' })))
		.KeyMetadata;
	await assert.rejects(derive(signing.KeyId, spki(p256.publicKey)), { name: 'InvalidKeyUsageException' });
	await assert.rejects(
		kms.send(new CreateKeyCommand({ KeySpec: 'ECC_SECG_P256K1', KeyUsage: 'KEY_AGREEMENT' })),
		{ name: 'ValidationException' },
	);
	await kms.send(new DisableKeyCommand({ KeyId: md.KeyId }));
	await assert.rejects(derive(md.KeyId, spki(p256.publicKey)), { name: 'DisabledException' });
});
