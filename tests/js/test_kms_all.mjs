// KMS through the JavaScript SDK v3: every operation bulwark implements, one
// flow per resource kind (keys, aliases, tags, rotation, policies, grants,
// symmetric, asymmetric and HMAC cryptography, imported material), asserting
// what a caller relies on: values round-trip, states change, and errors
// arrive with the SDK's name, $fault and HTTP status.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, test } from 'node:test';

import {
	CreateAccessKeyCommand,
	CreateUserCommand,
	IAMClient,
	PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import {
	CancelKeyDeletionCommand,
	CreateAliasCommand,
	CreateGrantCommand,
	CreateKeyCommand,
	DecryptCommand,
	DeleteAliasCommand,
	DeleteImportedKeyMaterialCommand,
	DescribeKeyCommand,
	DisableKeyCommand,
	DisableKeyRotationCommand,
	EnableKeyCommand,
	EnableKeyRotationCommand,
	EncryptCommand,
	GenerateDataKeyCommand,
	GenerateDataKeyPairCommand,
	GenerateDataKeyPairWithoutPlaintextCommand,
	GenerateDataKeyWithoutPlaintextCommand,
	GenerateMacCommand,
	GenerateRandomCommand,
	GetKeyPolicyCommand,
	GetKeyRotationStatusCommand,
	GetParametersForImportCommand,
	GetPublicKeyCommand,
	ImportKeyMaterialCommand,
	KMSClient,
	ListAliasesCommand,
	ListGrantsCommand,
	ListKeyPoliciesCommand,
	ListKeyRotationsCommand,
	ListKeysCommand,
	ListResourceTagsCommand,
	ListRetirableGrantsCommand,
	PutKeyPolicyCommand,
	ReEncryptCommand,
	RetireGrantCommand,
	RevokeGrantCommand,
	RotateKeyOnDemandCommand,
	ScheduleKeyDeletionCommand,
	SignCommand,
	TagResourceCommand,
	UntagResourceCommand,
	UpdateAliasCommand,
	UpdateKeyDescriptionCommand,
	VerifyCommand,
	VerifyMacCommand,
	paginateListAliases,
	paginateListKeys,
} from '@aws-sdk/client-kms';

import { Server } from './bulwark.mjs';

let server;
let kms;
before(async () => {
	server = await Server.start();
	kms = new KMSClient(server.config());
});
after(async () => {
	await server?.stop();
});

const text = (s) => new TextEncoder().encode(s);

// The SDK's error as the caller sees it: name, client fault, 400.
function kmsError(name) {
	return (err) => {
		assert.equal(err.name, name, `${err.name}: ${err.message}`);
		assert.equal(err.$fault, 'client');
		assert.equal(err.$metadata.httpStatusCode, 400);
		assert.ok(err.$metadata.requestId);
		return true;
	};
}

async function newKey(input = {}) {
	return (await kms.send(new CreateKeyCommand(input))).KeyMetadata;
}

test('keys: create, describe, describe again after a new description, disable, enable, list', async () => {
	const key = await newKey({ Description: 'first', Tags: [{ TagKey: 'team', TagValue: 'red' }] });
	assert.equal(key.KeyState, 'Enabled');
	assert.equal(key.KeyManager, 'CUSTOMER');
	assert.equal(key.Origin, 'AWS_KMS');
	assert.deepEqual(key.EncryptionAlgorithms, ['SYMMETRIC_DEFAULT']);

	await kms.send(new UpdateKeyDescriptionCommand({ KeyId: key.KeyId, Description: 'second' }));
	const d = (await kms.send(new DescribeKeyCommand({ KeyId: key.Arn }))).KeyMetadata;
	assert.equal(d.Description, 'second');
	assert.equal(d.KeyId, key.KeyId);
	assert.equal(d.CreationDate.getTime(), key.CreationDate.getTime());

	await kms.send(new DisableKeyCommand({ KeyId: key.KeyId }));
	const off = (await kms.send(new DescribeKeyCommand({ KeyId: key.KeyId }))).KeyMetadata;
	assert.equal(off.KeyState, 'Disabled');
	assert.equal(off.Enabled, false);
	await assert.rejects(
		kms.send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: text('x') })),
		kmsError('DisabledException'),
	);
	await kms.send(new EnableKeyCommand({ KeyId: key.KeyId }));
	const enc = await kms.send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: text('x') }));
	assert.equal(enc.KeyId, key.Arn);

	// ListKeys through the SDK's paginator: every key, each once
	const mine = [key.KeyId];
	for (let i = 0; i < 4; i++) mine.push((await newKey()).KeyId);
	const seen = [];
	let pages = 0;
	for await (const page of paginateListKeys({ client: kms, pageSize: 2 }, {})) {
		pages++;
		assert.ok(page.Keys.length <= 2);
		for (const k of page.Keys) {
			assert.match(k.KeyArn, new RegExp(`:key/${k.KeyId}$`));
			seen.push(k.KeyId);
		}
	}
	assert.ok(pages >= 3, `pages ${pages}`);
	assert.equal(new Set(seen).size, seen.length, 'no key twice across pages');
	for (const id of mine) assert.ok(seen.includes(id), id);
	const one = await kms.send(new ListKeysCommand({ Limit: 1 }));
	assert.equal(one.Keys.length, 1);
	assert.equal(one.Truncated, true);
	assert.ok(one.NextMarker);

	await assert.rejects(
		kms.send(new DescribeKeyCommand({ KeyId: 'alias/js-none' })),
		kmsError('NotFoundException'),
	);
});

test('keys: scheduled deletion and its cancellation', async () => {
	const key = await newKey();
	await assert.rejects(
		kms.send(new ScheduleKeyDeletionCommand({ KeyId: key.KeyId, PendingWindowInDays: 6 })),
		kmsError('ValidationException'),
	);
	const s = await kms.send(new ScheduleKeyDeletionCommand({ KeyId: key.KeyId, PendingWindowInDays: 7 }));
	assert.equal(s.KeyId, key.Arn);
	assert.equal(s.KeyState, 'PendingDeletion');
	assert.equal(s.PendingWindowInDays, 7);
	assert.ok(s.DeletionDate instanceof Date);
	const days = (s.DeletionDate.getTime() - Date.now()) / 86_400_000;
	assert.ok(Math.abs(days - 7) < 0.1, `${days}`);
	await assert.rejects(
		kms.send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: text('x') })),
		kmsError('KMSInvalidStateException'),
	);
	const c = await kms.send(new CancelKeyDeletionCommand({ KeyId: key.KeyId }));
	assert.equal(c.KeyId, key.Arn);
	const d = (await kms.send(new DescribeKeyCommand({ KeyId: key.KeyId }))).KeyMetadata;
	assert.equal(d.KeyState, 'Disabled');
	assert.equal(d.DeletionDate, undefined);
	await assert.rejects(
		kms.send(new CancelKeyDeletionCommand({ KeyId: key.KeyId })),
		kmsError('KMSInvalidStateException'),
	);
});

test('aliases: create, use, list through the paginator, move, delete', async () => {
	const a = await newKey();
	const b = await newKey();
	await kms.send(new CreateAliasCommand({ AliasName: 'alias/js-app', TargetKeyId: a.KeyId }));
	for (let i = 0; i < 3; i++)
		await kms.send(new CreateAliasCommand({ AliasName: `alias/js-more-${i}`, TargetKeyId: b.Arn }));
	await assert.rejects(
		kms.send(new CreateAliasCommand({ AliasName: 'alias/js-app', TargetKeyId: b.KeyId })),
		kmsError('AlreadyExistsException'),
	);
	const enc = await kms.send(new EncryptCommand({ KeyId: 'alias/js-app', Plaintext: text('via alias') }));
	assert.equal(enc.KeyId, a.Arn);

	const names = [];
	for await (const page of paginateListAliases({ client: kms, pageSize: 2 }, {})) {
		assert.ok(page.Aliases.length <= 2);
		for (const al of page.Aliases) names.push(al.AliasName);
	}
	for (const n of ['alias/js-app', 'alias/js-more-0', 'alias/js-more-1', 'alias/js-more-2'])
		assert.ok(names.includes(n), n);
	const forB = await kms.send(new ListAliasesCommand({ KeyId: b.KeyId }));
	assert.deepEqual(forB.Aliases.map((x) => x.AliasName).sort(), [
		'alias/js-more-0',
		'alias/js-more-1',
		'alias/js-more-2',
	]);
	const entry = forB.Aliases[0];
	assert.equal(entry.TargetKeyId, b.KeyId);
	assert.equal(entry.AliasArn, `arn:aws:kms:us-east-1:${server.accountId}:${entry.AliasName}`);

	await kms.send(new UpdateAliasCommand({ AliasName: 'alias/js-app', TargetKeyId: b.KeyId }));
	const moved = await kms.send(new EncryptCommand({ KeyId: 'alias/js-app', Plaintext: text('moved') }));
	assert.equal(moved.KeyId, b.Arn);
	await kms.send(new DeleteAliasCommand({ AliasName: 'alias/js-app' }));
	await assert.rejects(
		kms.send(new EncryptCommand({ KeyId: 'alias/js-app', Plaintext: text('gone') })),
		kmsError('NotFoundException'),
	);
	await assert.rejects(
		kms.send(new DeleteAliasCommand({ AliasName: 'alias/js-app' })),
		kmsError('NotFoundException'),
	);
});

test('tags: tag, list, untag', async () => {
	const key = await newKey({ Tags: [{ TagKey: 'a', TagValue: '1' }] });
	await kms.send(
		new TagResourceCommand({
			KeyId: key.KeyId,
			Tags: [
				{ TagKey: 'b', TagValue: '2' },
				{ TagKey: 'a', TagValue: 'one' },
			],
		}),
	);
	const listed = await kms.send(new ListResourceTagsCommand({ KeyId: key.KeyId }));
	const tags = Object.fromEntries(listed.Tags.map((t) => [t.TagKey, t.TagValue]));
	assert.deepEqual(tags, { a: 'one', b: '2' });
	assert.equal(listed.Truncated, false);
	await kms.send(new UntagResourceCommand({ KeyId: key.Arn, TagKeys: ['a'] }));
	const after = await kms.send(new ListResourceTagsCommand({ KeyId: key.KeyId }));
	assert.deepEqual(after.Tags, [{ TagKey: 'b', TagValue: '2' }]);
	await assert.rejects(
		kms.send(new TagResourceCommand({ KeyId: key.KeyId, Tags: [{ TagKey: 'aws:x', TagValue: 'y' }] })),
		kmsError('TagException'),
	);
});

test('rotation: automatic settings, on demand, the list of rotations', async () => {
	const key = await newKey();
	const st0 = await kms.send(new GetKeyRotationStatusCommand({ KeyId: key.KeyId }));
	assert.equal(st0.KeyRotationEnabled, false);
	await kms.send(new EnableKeyRotationCommand({ KeyId: key.KeyId, RotationPeriodInDays: 180 }));
	const st = await kms.send(new GetKeyRotationStatusCommand({ KeyId: key.KeyId }));
	assert.equal(st.KeyRotationEnabled, true);
	assert.equal(st.RotationPeriodInDays, 180);
	assert.ok(st.NextRotationDate instanceof Date);
	await kms.send(new DisableKeyRotationCommand({ KeyId: key.KeyId }));
	assert.equal((await kms.send(new GetKeyRotationStatusCommand({ KeyId: key.KeyId }))).KeyRotationEnabled, false);

	const old = await kms.send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: text('before rotation') }));
	const r = await kms.send(new RotateKeyOnDemandCommand({ KeyId: key.KeyId }));
	assert.equal(r.KeyId, key.KeyId);
	const rots = await kms.send(new ListKeyRotationsCommand({ KeyId: key.KeyId }));
	assert.equal(rots.Rotations.length, 1);
	assert.equal(rots.Rotations[0].RotationType, 'ON_DEMAND');
	assert.ok(rots.Rotations[0].RotationDate instanceof Date);
	// what was encrypted before still decrypts
	const dec = await kms.send(new DecryptCommand({ CiphertextBlob: old.CiphertextBlob }));
	assert.equal(Buffer.from(dec.Plaintext).toString(), 'before rotation');

	const ecc = await newKey({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' });
	await assert.rejects(
		kms.send(new EnableKeyRotationCommand({ KeyId: ecc.KeyId })),
		kmsError('UnsupportedOperationException'),
	);
});

test('key policies: get, list, put; a policy locking the caller out or not JSON is refused', async () => {
	const key = await newKey();
	const names = await kms.send(new ListKeyPoliciesCommand({ KeyId: key.KeyId }));
	assert.deepEqual(names.PolicyNames, ['default']);
	const got = await kms.send(new GetKeyPolicyCommand({ KeyId: key.KeyId, PolicyName: 'default' }));
	const doc = JSON.parse(got.Policy);
	assert.equal(doc.Version, '2012-10-17');
	assert.ok(JSON.stringify(doc).includes(`arn:aws:iam::${server.accountId}:root`));

	const policy = {
		Version: '2012-10-17',
		Id: 'js-policy',
		Statement: [
			{
				Sid: 'root',
				Effect: 'Allow',
				Principal: { AWS: `arn:aws:iam::${server.accountId}:root` },
				Action: 'kms:*',
				Resource: '*',
			},
		],
	};
	await kms.send(new PutKeyPolicyCommand({ KeyId: key.KeyId, PolicyName: 'default', Policy: JSON.stringify(policy) }));
	const back = await kms.send(new GetKeyPolicyCommand({ KeyId: key.KeyId }));
	assert.deepEqual(JSON.parse(back.Policy), policy);
	const lockout = {
		Version: '2012-10-17',
		Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${server.accountId}:root` }, Action: 'kms:Decrypt', Resource: '*' }],
	};
	await assert.rejects(
		kms.send(new PutKeyPolicyCommand({ KeyId: key.KeyId, PolicyName: 'default', Policy: JSON.stringify(lockout) })),
		kmsError('MalformedPolicyDocumentException'),
	);
	await assert.rejects(
		kms.send(new PutKeyPolicyCommand({ KeyId: key.KeyId, PolicyName: 'default', Policy: '{not json' })),
		kmsError('MalformedPolicyDocumentException'),
	);
});

test('grants: a user with no IAM permission decrypts through a grant until it is retired or revoked', async () => {
	const iam = new IAMClient(server.config());
	const user = (await iam.send(new CreateUserCommand({ UserName: 'js-grantee' }))).User;
	const ak = (await iam.send(new CreateAccessKeyCommand({ UserName: 'js-grantee' }))).AccessKey;
	// the grantee may retire grants only through the grant itself
	await iam.send(
		new PutUserPolicyCommand({
			UserName: 'js-grantee',
			PolicyName: 'nothing',
			PolicyDocument: JSON.stringify({
				Version: '2012-10-17',
				Statement: [{ Effect: 'Allow', Action: 'kms:ListRetirableGrants', Resource: '*' }],
			}),
		}),
	);
	const grantee = new KMSClient(
		server.config({ credentials: { accessKeyId: ak.AccessKeyId, secretAccessKey: ak.SecretAccessKey } }),
	);
	const key = await newKey();
	const enc = await kms.send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: text('granted') }));
	await assert.rejects(
		grantee.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob })),
		kmsError('AccessDeniedException'),
	);

	const g = await kms.send(
		new CreateGrantCommand({
			KeyId: key.KeyId,
			GranteePrincipal: user.Arn,
			RetiringPrincipal: user.Arn,
			Operations: ['Decrypt', 'RetireGrant'],
			Name: 'js-grant',
		}),
	);
	assert.ok(g.GrantId);
	assert.ok(g.GrantToken);
	const dec = await grantee.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob }));
	assert.equal(Buffer.from(dec.Plaintext).toString(), 'granted');

	const listed = await kms.send(new ListGrantsCommand({ KeyId: key.KeyId }));
	assert.equal(listed.Grants.length, 1);
	const entry = listed.Grants[0];
	assert.equal(entry.GrantId, g.GrantId);
	assert.equal(entry.GranteePrincipal, user.Arn);
	assert.equal(entry.Name, 'js-grant');
	assert.deepEqual([...entry.Operations].sort(), ['Decrypt', 'RetireGrant']);
	assert.equal(entry.KeyId, key.Arn);

	const retirable = await grantee.send(new ListRetirableGrantsCommand({ RetiringPrincipal: user.Arn }));
	assert.deepEqual(
		retirable.Grants.map((x) => x.GrantId),
		[g.GrantId],
	);
	await grantee.send(new RetireGrantCommand({ KeyId: key.Arn, GrantId: g.GrantId }));
	assert.equal((await kms.send(new ListGrantsCommand({ KeyId: key.KeyId }))).Grants.length, 0);
	await assert.rejects(
		grantee.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob })),
		kmsError('AccessDeniedException'),
	);

	const g2 = await kms.send(
		new CreateGrantCommand({ KeyId: key.KeyId, GranteePrincipal: user.Arn, Operations: ['Decrypt'] }),
	);
	await grantee.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob }));
	await kms.send(new RevokeGrantCommand({ KeyId: key.KeyId, GrantId: g2.GrantId }));
	await assert.rejects(
		grantee.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob })),
		kmsError('AccessDeniedException'),
	);
	await assert.rejects(
		kms.send(new RevokeGrantCommand({ KeyId: key.KeyId, GrantId: g2.GrantId })),
		kmsError('NotFoundException'),
	);
});

test('symmetric cryptography: encrypt, re-encrypt, data keys, random bytes', async () => {
	const a = await newKey();
	const b = await newKey();
	const context = { tenant: 'js' };
	const enc = await kms.send(new EncryptCommand({ KeyId: a.KeyId, Plaintext: text('move me'), EncryptionContext: context }));
	const re = await kms.send(
		new ReEncryptCommand({
			CiphertextBlob: enc.CiphertextBlob,
			SourceEncryptionContext: context,
			DestinationKeyId: b.KeyId,
			DestinationEncryptionContext: { tenant: 'js2' },
		}),
	);
	assert.equal(re.SourceKeyId, a.Arn);
	assert.equal(re.KeyId, b.Arn);
	assert.equal(re.SourceEncryptionAlgorithm, 'SYMMETRIC_DEFAULT');
	const dec = await kms.send(new DecryptCommand({ CiphertextBlob: re.CiphertextBlob, EncryptionContext: { tenant: 'js2' } }));
	assert.equal(dec.KeyId, b.Arn);
	assert.equal(Buffer.from(dec.Plaintext).toString(), 'move me');
	await assert.rejects(
		kms.send(new ReEncryptCommand({ CiphertextBlob: enc.CiphertextBlob, DestinationKeyId: b.KeyId })),
		kmsError('InvalidCiphertextException'),
	);

	// a data key made without its plaintext decrypts to 32 bytes that encrypt like the other
	const dk = await kms.send(new GenerateDataKeyCommand({ KeyId: a.KeyId, NumberOfBytes: 32 }));
	assert.equal(dk.Plaintext.length, 32);
	const hidden = await kms.send(new GenerateDataKeyWithoutPlaintextCommand({ KeyId: a.KeyId, KeySpec: 'AES_128', EncryptionContext: context }));
	assert.equal(hidden.Plaintext, undefined);
	assert.equal(hidden.KeyId, a.Arn);
	const opened = await kms.send(new DecryptCommand({ CiphertextBlob: hidden.CiphertextBlob, EncryptionContext: context }));
	assert.equal(opened.Plaintext.length, 16);

	// DryRun: the SDK's DryRunOperationException, and nothing done
	await assert.rejects(
		kms.send(new EncryptCommand({ KeyId: a.KeyId, Plaintext: text('dry'), DryRun: true })),
		kmsError('DryRunOperationException'),
	);
	await assert.rejects(
		kms.send(new CreateGrantCommand({ KeyId: a.KeyId, GranteePrincipal: `arn:aws:iam::${server.accountId}:root`, Operations: ['Decrypt'], DryRun: true })),
		kmsError('DryRunOperationException'),
	);
	assert.deepEqual((await kms.send(new ListGrantsCommand({ KeyId: a.KeyId }))).Grants, []);

	const r1 = await kms.send(new GenerateRandomCommand({ NumberOfBytes: 64 }));
	const r2 = await kms.send(new GenerateRandomCommand({ NumberOfBytes: 64 }));
	assert.equal(r1.Plaintext.length, 64);
	assert.notDeepEqual(Buffer.from(r1.Plaintext), Buffer.from(r2.Plaintext));
	await assert.rejects(
		kms.send(new GenerateRandomCommand({ NumberOfBytes: 1025 })),
		kmsError('ValidationException'),
	);
});

test('data key pairs: the private key matches the public key, with and without plaintext', async () => {
	const key = await newKey();
	const pair = await kms.send(new GenerateDataKeyPairCommand({ KeyId: key.KeyId, KeyPairSpec: 'ECC_NIST_P256' }));
	assert.equal(pair.KeyPairSpec, 'ECC_NIST_P256');
	assert.equal(pair.KeyId, key.Arn);
	const priv = crypto.createPrivateKey({ key: Buffer.from(pair.PrivateKeyPlaintext), format: 'der', type: 'pkcs8' });
	const pub = crypto.createPublicKey({ key: Buffer.from(pair.PublicKey), format: 'der', type: 'spki' });
	const sig = crypto.sign('sha256', Buffer.from('pair'), priv);
	assert.ok(crypto.verify('sha256', Buffer.from('pair'), pub, sig));
	const unwrapped = await kms.send(new DecryptCommand({ CiphertextBlob: pair.PrivateKeyCiphertextBlob }));
	assert.deepEqual(Buffer.from(unwrapped.Plaintext), Buffer.from(pair.PrivateKeyPlaintext));

	const bare = await kms.send(new GenerateDataKeyPairWithoutPlaintextCommand({ KeyId: key.KeyId, KeyPairSpec: 'RSA_2048' }));
	assert.equal(bare.PrivateKeyPlaintext, undefined);
	const rsaPub = crypto.createPublicKey({ key: Buffer.from(bare.PublicKey), format: 'der', type: 'spki' });
	assert.equal(rsaPub.asymmetricKeyDetails.modulusLength, 2048);
	const rsaPriv = await kms.send(new DecryptCommand({ CiphertextBlob: bare.PrivateKeyCiphertextBlob }));
	const derived = crypto.createPublicKey(
		crypto.createPrivateKey({ key: Buffer.from(rsaPriv.Plaintext), format: 'der', type: 'pkcs8' }),
	);
	assert.deepEqual(derived.export({ format: 'der', type: 'spki' }), Buffer.from(bare.PublicKey));
});

test('signing: RSA and ECC signatures verify in KMS and in node with the public key', async () => {
	const rsa = await newKey({ KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' });
	const msg = text('signed by kms');
	const sig = await kms.send(new SignCommand({ KeyId: rsa.KeyId, Message: msg, SigningAlgorithm: 'RSASSA_PSS_SHA_256' }));
	assert.equal(sig.KeyId, rsa.Arn);
	assert.equal(sig.SigningAlgorithm, 'RSASSA_PSS_SHA_256');
	const pk = await kms.send(new GetPublicKeyCommand({ KeyId: rsa.KeyId }));
	assert.equal(pk.KeySpec, 'RSA_2048');
	assert.equal(pk.KeyUsage, 'SIGN_VERIFY');
	assert.ok(pk.SigningAlgorithms.includes('RSASSA_PSS_SHA_256'));
	const pub = crypto.createPublicKey({ key: Buffer.from(pk.PublicKey), format: 'der', type: 'spki' });
	assert.ok(
		crypto.verify('sha256', msg, { key: pub, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, sig.Signature),
	);
	const ok = await kms.send(
		new VerifyCommand({ KeyId: rsa.KeyId, Message: msg, Signature: sig.Signature, SigningAlgorithm: 'RSASSA_PSS_SHA_256' }),
	);
	assert.equal(ok.SignatureValid, true);
	await assert.rejects(
		kms.send(
			new VerifyCommand({ KeyId: rsa.KeyId, Message: text('other'), Signature: sig.Signature, SigningAlgorithm: 'RSASSA_PSS_SHA_256' }),
		),
		kmsError('KMSInvalidSignatureException'),
	);

	const ecc = await newKey({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' });
	const digest = crypto.createHash('sha256').update('digest me').digest();
	const es = await kms.send(
		new SignCommand({ KeyId: ecc.KeyId, Message: digest, MessageType: 'DIGEST', SigningAlgorithm: 'ECDSA_SHA_256' }),
	);
	const epk = await kms.send(new GetPublicKeyCommand({ KeyId: ecc.Arn }));
	const epub = crypto.createPublicKey({ key: Buffer.from(epk.PublicKey), format: 'der', type: 'spki' });
	assert.ok(crypto.verify('sha256', Buffer.from('digest me'), epub, es.Signature));
	await assert.rejects(
		kms.send(new SignCommand({ KeyId: ecc.KeyId, Message: msg, SigningAlgorithm: 'RSASSA_PSS_SHA_256' })),
		kmsError('InvalidKeyUsageException'),
	);
	await assert.rejects(
		kms.send(new GetPublicKeyCommand({ KeyId: (await newKey()).KeyId })),
		kmsError('UnsupportedOperationException'),
	);
});

test('asymmetric encryption: what node encrypts with the public key, KMS decrypts, and back', async () => {
	const key = await newKey({ KeySpec: 'RSA_2048', KeyUsage: 'ENCRYPT_DECRYPT' });
	const pk = await kms.send(new GetPublicKeyCommand({ KeyId: key.KeyId }));
	assert.deepEqual([...pk.EncryptionAlgorithms].sort(), ['RSAES_OAEP_SHA_1', 'RSAES_OAEP_SHA_256']);
	const pub = crypto.createPublicKey({ key: Buffer.from(pk.PublicKey), format: 'der', type: 'spki' });
	for (const [alg, oaepHash] of [
		['RSAES_OAEP_SHA_256', 'sha256'],
		['RSAES_OAEP_SHA_1', 'sha1'],
	]) {
		const blob = crypto.publicEncrypt({ key: pub, padding: crypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash }, Buffer.from(`from node ${alg}`));
		const dec = await kms.send(new DecryptCommand({ KeyId: key.KeyId, CiphertextBlob: blob, EncryptionAlgorithm: alg }));
		assert.equal(Buffer.from(dec.Plaintext).toString(), `from node ${alg}`);
		assert.equal(dec.EncryptionAlgorithm, alg);
	}
	const enc = await kms.send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: text('to kms'), EncryptionAlgorithm: 'RSAES_OAEP_SHA_256' }));
	assert.equal(enc.CiphertextBlob.length, 256);
	await assert.rejects(
		kms.send(new DecryptCommand({ KeyId: key.KeyId, CiphertextBlob: enc.CiphertextBlob, EncryptionAlgorithm: 'RSAES_OAEP_SHA_1' })),
		kmsError('InvalidCiphertextException'),
	);
	await assert.rejects(
		kms.send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: text('x') })),
		kmsError('InvalidKeyUsageException'),
	);
});

test('HMAC: a MAC verifies; another message or MAC is KMSInvalidMacException', async () => {
	const key = await newKey({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
	assert.deepEqual(key.MacAlgorithms, ['HMAC_SHA_256']);
	const msg = text('mac me');
	const mac = await kms.send(new GenerateMacCommand({ KeyId: key.KeyId, Message: msg, MacAlgorithm: 'HMAC_SHA_256' }));
	assert.equal(mac.Mac.length, 32);
	assert.equal(mac.KeyId, key.Arn);
	const again = await kms.send(new GenerateMacCommand({ KeyId: key.KeyId, Message: msg, MacAlgorithm: 'HMAC_SHA_256' }));
	assert.deepEqual(Buffer.from(again.Mac), Buffer.from(mac.Mac), 'HMAC is deterministic');
	const v = await kms.send(new VerifyMacCommand({ KeyId: key.KeyId, Message: msg, Mac: mac.Mac, MacAlgorithm: 'HMAC_SHA_256' }));
	assert.equal(v.MacValid, true);
	const bad = Buffer.from(mac.Mac);
	bad[0] ^= 1;
	await assert.rejects(
		kms.send(new VerifyMacCommand({ KeyId: key.KeyId, Message: msg, Mac: bad, MacAlgorithm: 'HMAC_SHA_256' })),
		kmsError('KMSInvalidMacException'),
	);
	await assert.rejects(
		kms.send(new GenerateMacCommand({ KeyId: key.KeyId, Message: msg, MacAlgorithm: 'HMAC_SHA_512' })),
		kmsError('InvalidKeyUsageException'),
	);
});

test('imported material: wrapped in node with RSAES_OAEP_SHA_256, used, deleted, imported again', async () => {
	const key = await newKey({ Origin: 'EXTERNAL' });
	assert.equal(key.KeyState, 'PendingImport');
	assert.equal(key.Origin, 'EXTERNAL');
	const material = crypto.randomBytes(32);
	const wrapAndImport = async () => {
		const params = await kms.send(
			new GetParametersForImportCommand({
				KeyId: key.KeyId,
				WrappingAlgorithm: 'RSAES_OAEP_SHA_256',
				WrappingKeySpec: 'RSA_2048',
			}),
		);
		assert.equal(params.KeyId, key.Arn);
		assert.ok(params.ParametersValidTo instanceof Date);
		const wrapping = crypto.createPublicKey({ key: Buffer.from(params.PublicKey), format: 'der', type: 'spki' });
		const wrapped = crypto.publicEncrypt(
			{ key: wrapping, padding: crypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' },
			material,
		);
		return kms.send(
			new ImportKeyMaterialCommand({
				KeyId: key.KeyId,
				ImportToken: params.ImportToken,
				EncryptedKeyMaterial: wrapped,
				ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE',
			}),
		);
	};
	const imported = await wrapAndImport();
	assert.equal(imported.$metadata.httpStatusCode, 200);
	assert.equal((await kms.send(new DescribeKeyCommand({ KeyId: key.KeyId }))).KeyMetadata.KeyState, 'Enabled');
	const enc = await kms.send(new EncryptCommand({ KeyId: key.KeyId, Plaintext: text('external') }));

	await kms.send(new DeleteImportedKeyMaterialCommand({ KeyId: key.KeyId }));
	assert.equal((await kms.send(new DescribeKeyCommand({ KeyId: key.KeyId }))).KeyMetadata.KeyState, 'PendingImport');
	await assert.rejects(
		kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob })),
		kmsError('KMSInvalidStateException'),
	);
	// the same material again: the old ciphertext opens
	await wrapAndImport();
	const dec = await kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob }));
	assert.equal(Buffer.from(dec.Plaintext).toString(), 'external');

	// a token of another key is refused
	const other = await newKey({ Origin: 'EXTERNAL' });
	const params = await kms.send(
		new GetParametersForImportCommand({ KeyId: other.KeyId, WrappingAlgorithm: 'RSAES_OAEP_SHA_256', WrappingKeySpec: 'RSA_2048' }),
	);
	await assert.rejects(
		kms.send(
			new ImportKeyMaterialCommand({
				KeyId: key.KeyId,
				ImportToken: params.ImportToken,
				EncryptedKeyMaterial: crypto.randomBytes(256),
				ExpirationModel: 'KEY_MATERIAL_DOES_NOT_EXPIRE',
			}),
		),
		kmsError('InvalidImportTokenException'),
	);
});
