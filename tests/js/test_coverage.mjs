// Every operation the server implements is called by some JavaScript SDK v3
// test at least once (the issue's "every implemented operation at least once
// per service"). Read from the source tree as it is when the test runs, so
// an operation added on another branch fails here until a JS test calls it:
//  - implemented: the first string literal of each row of every
//    `struct bw_op_impl NAME[] = {...}` array under src/services/<service>/
//    (rows written as {"Op", ...}, {.name = "Op", ...} or a macro S_OP("Op", ...));
//  - called: in tests/js/*.mjs, `new OpCommand(` (or an SDK paginator,
//    `paginateOp(`) whose name the file imports from '@aws-sdk/client-<service>'.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const SERVICES = resolve(HERE, '..', '..', 'src', 'services');

// C source without comments, with every string literal kept whole (a brace
// or comma inside a string is not structure).
function tokensOfC(src) {
	const out = []; // { kind: 'str' | 'ch', text }
	for (let i = 0; i < src.length; ) {
		const c = src[i];
		if (c === '/' && src[i + 1] === '*') {
			const end = src.indexOf('*/', i + 2);
			i = end < 0 ? src.length : end + 2;
		} else if (c === '/' && src[i + 1] === '/') {
			const end = src.indexOf('\n', i);
			i = end < 0 ? src.length : end;
		} else if (c === '"' || c === "'") {
			let j = i + 1;
			while (j < src.length && src[j] !== c) j += src[j] === '\\' ? 2 : 1;
			out.push({ kind: c === '"' ? 'str' : 'ch', text: src.slice(i + 1, j) });
			i = j + 1;
		} else {
			out.push({ kind: 'c', text: c });
			i++;
		}
	}
	return out;
}

// The operation names of the bw_op_impl arrays of one C file.
export function operationsOfC(src) {
	const toks = tokensOfC(src);
	const flat = toks.map((t) => (t.kind === 'c' ? t.text : '\0')).join('');
	const ops = [];
	const decl = /struct\s+bw_op_impl\s+\w+\s*\[\s*\w*\s*\]\s*=\s*\{/g;
	for (let m; (m = decl.exec(flat)); ) {
		// walk the initializer: a row is each top-level entry; its name is
		// the first string literal in it
		let depth = 1;
		let inRow = false;
		let named = false;
		for (let k = m.index + m[0].length; k < toks.length && depth > 0; k++) {
			const t = toks[k];
			if (t.kind === 'str') {
				if (inRow && !named) {
					// adjacent literals are one string in C: "Create" "Key"
					let name = t.text;
					let j = k + 1;
					for (; j < toks.length; j++) {
						if (toks[j].kind === 'str') name += toks[j].text;
						else if (!(toks[j].kind === 'c' && /\s/.test(toks[j].text))) break;
					}
					k = j - 1;
					ops.push(name);
					named = true;
				}
				continue;
			}
			if (t.kind !== 'c') continue;
			if (/\s/.test(t.text)) continue;
			if (t.text === '{' || t.text === '(') {
				if (depth === 1) inRow = true;
				depth++;
			} else if (t.text === '}' || t.text === ')') {
				depth--;
			} else if (t.text === ',' && depth === 1) {
				inRow = false;
				named = false;
			} else if (depth === 1) {
				inRow = true; // a macro's name before its '('
			}
		}
	}
	return ops;
}

// service (its directory under src/services) -> Set of operation names
export function implementedOperations(root = SERVICES) {
	const bySvc = new Map();
	for (const svc of readdirSync(root)) {
		const dir = join(root, svc);
		if (!statSync(dir).isDirectory()) continue;
		for (const f of readdirSync(dir)) {
			if (!f.endsWith('.c') && !f.endsWith('.h')) continue;
			for (const op of operationsOfC(readFileSync(join(dir, f), 'utf8'))) {
				if (!bySvc.has(svc)) bySvc.set(svc, new Set());
				bySvc.get(svc).add(op);
			}
		}
	}
	return bySvc;
}

// service -> Set of operation names one JS source calls
export function operationsOfJs(src, bySvc = new Map()) {
	const add = (svc, op) => {
		if (!bySvc.has(svc)) bySvc.set(svc, new Set());
		bySvc.get(svc).add(op);
	};
	// which service each imported name (or namespace) comes from
	const from = new Map();
	const spaces = new Map();
	const imp = /import\s*(?:\{([^}]*)\}|\*\s*as\s+(\w+))\s*from\s*['"]@aws-sdk\/client-([a-z0-9-]+)['"]/g;
	for (let m; (m = imp.exec(src)); ) {
		if (m[2]) spaces.set(m[2], m[3]);
		else
			for (const spec of m[1].split(',')) {
				// `Name as Local`: the operation is Name's, the use is Local
				const [name, local = name] = spec.trim().split(/\s+as\s+/);
				if (name) from.set(local, { svc: m[3], name });
			}
	}
	const use = /\bnew\s+(?:(\w+)\s*\.\s*)?(\w+)\s*\(|\b(?:(\w+)\s*\.\s*)?(paginate\w+)\s*\(/g;
	for (let m; (m = use.exec(src)); ) {
		const ns = m[1] ?? m[3];
		const local = m[2] ?? m[4];
		const svc = ns ? spaces.get(ns) : from.get(local)?.svc;
		const name = ns ? local : from.get(local)?.name;
		if (!svc || !name) continue;
		const op = /^(\w+)Command$/.exec(name)?.[1] ?? /^paginate(\w+)$/.exec(name)?.[1];
		if (op) add(svc, op);
	}
	return bySvc;
}

// service -> Set of operation names some tests/js/*.mjs file calls
export function calledOperations(dir = HERE) {
	const bySvc = new Map();
	for (const f of readdirSync(dir))
		if (f.endsWith('.mjs')) operationsOfJs(readFileSync(join(dir, f), 'utf8'), bySvc);
	return bySvc;
}

test('the parser reads the three row forms and skips comments and strings', () => {
	const src = `
		/* {"NotARow", x} */
		static const struct bw_op_impl s_ops[] = {
			{"Positional", f, "svc:Positional", NULL, true},
			// {"Commented", f}
			{.name = "Designated", .handler = g, .iam_action = "svc:Designated"},
			S_OP("Macro", h, NULL, false),
			{.handler = k, .name = "Late" /* , "Not" */, .iam_action = "svc:Late"},
		};
		static const char *s_other[] = {"NotAnOp"};`;
	assert.deepEqual(operationsOfC(src), ['Positional', 'Designated', 'Macro', 'Late']);
	assert.deepEqual(operationsOfC('struct bw_op_impl t[] = {S_OP("Create" "Key", f)};'), ['CreateKey']);
});

test('the JS parser counts named, renamed and namespace imports, and paginators', () => {
	const src = `
		import { CreateKeyCommand, DescribeKeyCommand as Describe, paginateListKeys } from '@aws-sdk/client-kms';
		import * as IAM from '@aws-sdk/client-iam';
		import { GetUserCommand } from './not-the-sdk.mjs';
		await kms.send(new CreateKeyCommand({}));
		await kms.send(new Describe({}));
		for await (const p of paginateListKeys({ client }, {})) {}
		await iam.send(new IAM.ListUsersCommand({}));
		for await (const p of IAM.paginateListRoles({ client }, {})) {}
		new GetUserCommand({}); // not an SDK command
		// DecryptCommand is only named, never called`;
	const got = Object.fromEntries([...operationsOfJs(src)].map(([k, v]) => [k, [...v].sort()]));
	assert.deepEqual(got, { kms: ['CreateKey', 'DescribeKey', 'ListKeys'], iam: ['ListRoles', 'ListUsers'] });
});

test('the C tables list the services and operations the server is known to have', () => {
	const impl = implementedOperations();
	for (const [svc, op] of [
		['kms', 'CreateKey'],
		['kms', 'GenerateRandom'],
		['iam', 'AddUserToGroup'],
		['iam', 'CreatePolicy'],
		['sts', 'GetCallerIdentity'],
		['cloudtrail', 'LookupEvents'],
		['cloudtrail', 'StartQuery'],
	])
		assert.ok(impl.get(svc)?.has(op), `${svc} ${op} not found in the C tables`);
});

test('every implemented operation is called by a JavaScript SDK test', () => {
	const impl = implementedOperations();
	const called = calledOperations();
	const missing = [];
	for (const [svc, ops] of [...impl].sort()) {
		let client = null;
		try {
			client = statSync(join(HERE, 'node_modules', '@aws-sdk', `client-${svc}`));
		} catch {
			missing.push(`${svc}: no @aws-sdk/client-${svc} in tests/js/package.json`);
		}
		if (!client) continue;
		for (const op of [...ops].sort()) if (!called.get(svc)?.has(op)) missing.push(`${svc} ${op}`);
	}
	assert.deepEqual(missing, [], `implemented operations no JS test calls:\n  ${missing.join('\n  ')}`);
});
