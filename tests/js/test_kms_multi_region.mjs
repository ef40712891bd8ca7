// KMS multi-Region keys through the JavaScript SDK v3: one client per region
// against the same server. CreateKey MultiRegion, ReplicateKey (errors too),
// a ciphertext made in one region decrypted in the other, ListKeys per
// region, UpdatePrimaryRegion, and a primary waiting for its replicas.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import {
	CreateKeyCommand,
	DecryptCommand,
	DescribeKeyCommand,
	EncryptCommand,
	KMSClient,
	ListKeysCommand,
	ReplicateKeyCommand,
	ScheduleKeyDeletionCommand,
	UpdatePrimaryRegionCommand,
} from '@aws-sdk/client-kms';

import { Server } from './bulwark.mjs';

const EAST = 'us-east-1';
const WEST = 'eu-west-1';

let server;
before(async () => {
	server = await Server.start();
});
after(async () => {
	await server?.stop();
});

const client = (region) => new KMSClient(server.config({ region, maxAttempts: 1 }));

async function rejectsWith(promise, name) {
	await assert.rejects(promise, (e) => {
		assert.equal(e.name, name, e.message);
		return true;
	});
}

async function listArns(kms) {
	const out = [];
	let Marker;
	for (;;) {
		const page = await kms.send(new ListKeysCommand(Marker ? { Marker } : {}));
		out.push(...page.Keys.map((k) => k.KeyArn));
		if (!page.Truncated) return out;
		Marker = page.NextMarker;
	}
}

test('KMS multi-Region keys: replicate, cross-region decrypt, update primary, deletion', async () => {
	const east = client(EAST);
	const west = client(WEST);
	const primary = (await east.send(new CreateKeyCommand({ MultiRegion: true }))).KeyMetadata;
	assert.match(primary.KeyId, /^mrk-[0-9a-f]{32}$/);
	assert.equal(primary.MultiRegion, true);
	assert.equal(primary.MultiRegionConfiguration.MultiRegionKeyType, 'PRIMARY');
	assert.deepEqual(primary.MultiRegionConfiguration.ReplicaKeys, []);

	const rep = await east.send(
		new ReplicateKeyCommand({
			KeyId: primary.Arn,
			ReplicaRegion: WEST,
			Description: 'js replica',
			Tags: [{ TagKey: 'sdk', TagValue: 'js' }],
		}),
	);
	const replica = rep.ReplicaKeyMetadata;
	assert.equal(replica.KeyId, primary.KeyId);
	assert.equal(replica.Arn, `arn:aws:kms:${WEST}:${server.accountId}:key/${primary.KeyId}`);
	assert.equal(replica.MultiRegionConfiguration.MultiRegionKeyType, 'REPLICA');
	assert.deepEqual(replica.MultiRegionConfiguration.PrimaryKey, { Arn: primary.Arn, Region: EAST });
	assert.deepEqual(rep.ReplicaTags, [{ TagKey: 'sdk', TagValue: 'js' }]);
	assert.ok(JSON.parse(rep.ReplicaPolicy).Statement.length > 0);

	await rejectsWith(
		east.send(new ReplicateKeyCommand({ KeyId: primary.KeyId, ReplicaRegion: WEST })),
		'AlreadyExistsException',
	);
	await rejectsWith(
		east.send(new ReplicateKeyCommand({ KeyId: primary.KeyId, ReplicaRegion: 'EU-WEST-1' })),
		'ValidationException',
	);
	await rejectsWith(
		west.send(new ReplicateKeyCommand({ KeyId: primary.KeyId, ReplicaRegion: 'ap-south-1' })),
		'UnsupportedOperationException',
	);

	// the same key material: made in the east, read in the west
	const plaintext = new TextEncoder().encode('across regions');
	const enc = await east.send(new EncryptCommand({ KeyId: primary.KeyId, Plaintext: plaintext }));
	const dec = await west.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob }));
	assert.equal(dec.KeyId, replica.Arn);
	assert.deepEqual(Buffer.from(dec.Plaintext), Buffer.from(plaintext));

	// each region lists its own key
	const eastKeys = await listArns(east);
	const westKeys = await listArns(west);
	assert.ok(eastKeys.includes(primary.Arn) && !eastKeys.includes(replica.Arn));
	assert.ok(westKeys.includes(replica.Arn) && !westKeys.includes(primary.Arn));

	// the west becomes the primary
	await east.send(new UpdatePrimaryRegionCommand({ KeyId: primary.Arn, PrimaryRegion: WEST }));
	const e = (await east.send(new DescribeKeyCommand({ KeyId: primary.KeyId }))).KeyMetadata;
	const w = (await west.send(new DescribeKeyCommand({ KeyId: primary.KeyId }))).KeyMetadata;
	assert.equal(e.MultiRegionConfiguration.MultiRegionKeyType, 'REPLICA');
	assert.equal(w.MultiRegionConfiguration.MultiRegionKeyType, 'PRIMARY');
	assert.deepEqual(w.MultiRegionConfiguration.ReplicaKeys, [{ Arn: primary.Arn, Region: EAST }]);

	// the new primary waits for its replica before its own deletion window
	const del = await west.send(new ScheduleKeyDeletionCommand({ KeyId: primary.KeyId, PendingWindowInDays: 7 }));
	assert.equal(del.KeyState, 'PendingReplicaDeletion');
	assert.equal(del.DeletionDate, undefined);
	const del2 = await east.send(new ScheduleKeyDeletionCommand({ KeyId: primary.KeyId, PendingWindowInDays: 7 }));
	assert.equal(del2.KeyState, 'PendingDeletion');
	assert.ok(del2.DeletionDate instanceof Date);
});
