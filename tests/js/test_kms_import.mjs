// KMS imported key material through the JavaScript SDK v3: an ECC signing key
// imported with RSA_AES_KEY_WRAP_SHA_256 (RSA-OAEP of an ephemeral AES key,
// then the PKCS#8 private key under AES key wrap with padding) and verified
// with node:crypto; a symmetric key given new material and rotated on demand.
import assert from 'node:assert/strict';
import {
	constants,
	createCipheriv,
	createPublicKey,
	generateKeyPairSync,
	publicEncrypt,
	randomBytes,
	verify,
} from 'node:crypto';
import { after, before, test } from 'node:test';

import {
	CreateKeyCommand,
	DecryptCommand,
	DeleteImportedKeyMaterialCommand,
	DescribeKeyCommand,
	EncryptCommand,
	GetParametersForImportCommand,
	GetPublicKeyCommand,
	ImportKeyMaterialCommand,
	KMSClient,
	ListKeyRotationsCommand,
	RotateKeyOnDemandCommand,
	SignCommand,
} from '@aws-sdk/client-kms';

import { Server } from './bulwark.mjs';

let server;
before(async () => {
	server = await Server.start();
});
after(async () => {
	await server?.stop();
});

function wrap(publicKeyDer, algorithm, material) {
	const pub = createPublicKey({ key: Buffer.from(publicKeyDer), format: 'der', type: 'spki' });
	const oaep = { key: pub, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' };
	if (algorithm === 'RSAES_OAEP_SHA_256') return publicEncrypt(oaep, material);
	const aes = randomBytes(32);
	const kwp = createCipheriv('id-aes256-wrap-pad', aes, Buffer.from('A65959A6', 'hex'));
	return Buffer.concat([publicEncrypt(oaep, aes), kwp.update(material), kwp.final()]);
}

async function importMaterial(kms, keyId, material, algorithm, extra = {}) {
	const params = await kms.send(
		new GetParametersForImportCommand({ KeyId: keyId, WrappingAlgorithm: algorithm, WrappingKeySpec: 'RSA_3072' }),
	);
	return kms.send(
		new ImportKeyMaterialCommand({
			KeyId: keyId,
			ImportToken: params.ImportToken,
			EncryptedKeyMaterial: wrap(params.PublicKey, algorithm, material),
			ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE',
			...extra,
		}),
	);
}

test('KMS imports an ECC private key and signs with it', async () => {
	const kms = new KMSClient(server.config());
	const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
	const created = await kms.send(
		new CreateKeyCommand({ Origin: 'EXTERNAL', KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' }),
	);
	const keyId = created.KeyMetadata.KeyId;
	assert.equal(created.KeyMetadata.KeyState, 'PendingImport');
	const pkcs8 = privateKey.export({ format: 'der', type: 'pkcs8' });
	await importMaterial(kms, keyId, pkcs8, 'RSA_AES_KEY_WRAP_SHA_256');
	const pub = await kms.send(new GetPublicKeyCommand({ KeyId: keyId }));
	assert.deepEqual(Buffer.from(pub.PublicKey), publicKey.export({ format: 'der', type: 'spki' }));
	const message = Buffer.from('signed by the imported key');
	const sig = await kms.send(
		new SignCommand({ KeyId: keyId, Message: message, SigningAlgorithm: 'ECDSA_SHA_256' }),
	);
	assert.ok(verify('sha256', message, publicKey, Buffer.from(sig.Signature)));
	// another private key is not this key's material
	const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
	await assert.rejects(
		importMaterial(kms, keyId, other.export({ format: 'der', type: 'pkcs8' }), 'RSA_AES_KEY_WRAP_SHA_256'),
		(e) => e.name === 'IncorrectKeyMaterialException',
	);
});

test('KMS rotates a symmetric key to new imported material on demand', async () => {
	const kms = new KMSClient(server.config());
	const keyId = (await kms.send(new CreateKeyCommand({ Origin: 'EXTERNAL' }))).KeyMetadata.KeyId;
	const m1 = (await importMaterial(kms, keyId, randomBytes(32), 'RSAES_OAEP_SHA_256')).KeyMaterialId;
	const before = await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('one') }));
	await assert.rejects(
		kms.send(new RotateKeyOnDemandCommand({ KeyId: keyId })),
		(e) => e.name === 'KMSInvalidStateException',
	);
	const m2 = (
		await importMaterial(kms, keyId, randomBytes(32), 'RSAES_OAEP_SHA_256', {
			ImportType: 'NEW_KEY_MATERIAL',
			KeyMaterialDescription: 'js',
		})
	).KeyMaterialId;
	let rotations = (
		await kms.send(new ListKeyRotationsCommand({ KeyId: keyId, IncludeKeyMaterial: 'ALL_KEY_MATERIAL' }))
	).Rotations;
	const pending = rotations.find((r) => r.KeyMaterialId === m2);
	assert.equal(pending.KeyMaterialState, 'PENDING_ROTATION');
	assert.equal(pending.ImportState, 'IMPORTED');
	assert.equal(pending.KeyMaterialDescription, 'js');
	await kms.send(new RotateKeyOnDemandCommand({ KeyId: keyId }));
	const md = (await kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata;
	assert.equal(md.CurrentKeyMaterialId, m2);
	rotations = (await kms.send(new ListKeyRotationsCommand({ KeyId: keyId }))).Rotations;
	assert.equal(rotations.length, 1);
	assert.equal(rotations[0].RotationType, 'ON_DEMAND');
	assert.ok(rotations[0].RotationDate instanceof Date);
	const after = await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('two') }));
	const d1 = await kms.send(new DecryptCommand({ CiphertextBlob: before.CiphertextBlob }));
	assert.equal(Buffer.from(d1.Plaintext).toString(), 'one');
	assert.equal(d1.KeyMaterialId, m1);
	const d2 = await kms.send(new DecryptCommand({ CiphertextBlob: after.CiphertextBlob }));
	assert.equal(d2.KeyMaterialId, m2);
	// the current material deleted: the key is pending import
	const del = await kms.send(new DeleteImportedKeyMaterialCommand({ KeyId: keyId }));
	assert.equal(del.KeyMaterialId, m2);
	await assert.rejects(
		kms.send(new DecryptCommand({ CiphertextBlob: before.CiphertextBlob })),
		(e) => e.name === 'KMSInvalidStateException',
	);
});
