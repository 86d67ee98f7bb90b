// SPDX-License-Identifier: BSL-1.0
// The documents service's routes in Express 5, written the way most
// Express services check access: a middleware verifies the bearer JWT
// (jsonwebtoken, HS256, the benchmark's key) and requireRole(...) checks
// the token's role names on every request. The store is in memory.
//
//   node server.js [--port N]
//
// Prints "port N" once it listens; stops on SIGINT or SIGTERM.
'use strict';

const crypto = require('crypto');
const express = require('express');
const jwt = require('jsonwebtoken');

// The key as a KeyObject, made once: given the string, jsonwebtoken 9
// first tries to parse it as a public key on every call, which costs
// about 0.5 ms a request here (docs/benchmarks.md).
const secret = crypto.createSecretKey(
  Buffer.from('clearance-benchmark-key-not-for-any-real-service'));

const documents = new Map([
  [1, { id: 1, owner: 'alice', tenant: 'acme', title: 'Roadmap', body: 'Ship the guard.' }],
  [2, { id: 2, owner: 'bob', tenant: 'acme', title: 'Notes', body: "Bob's notes." }],
  [3, { id: 3, owner: 'eve', tenant: 'globex', title: 'Plans', body: "Eve's plans." }],
]);
const users = new Map([
  [1, { id: 1, name: 'alice', tenant: 'acme', roles: ['editor'] }],
  [2, { id: 2, name: 'bob', tenant: 'acme', roles: ['viewer'] }],
  [3, { id: 3, name: 'root', tenant: 'acme', roles: ['admin'] }],
  [4, { id: 4, name: 'eve', tenant: 'globex', roles: ['editor'] }],
]);
let nextId = 4;

function refuse(res, status, error, message) {
  res.status(status).set('Cache-Control', 'private, no-store').json({ error, message });
}

function authenticate(req, res, next) {
  const header = req.get('authorization') || '';
  const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(header);
  if (!match) {
    res.set('WWW-Authenticate', 'Bearer realm="bench"');
    return refuse(res, 401, 'unauthorized', 'valid credentials are required');
  }
  try {
    req.user = jwt.verify(match[1], secret, { algorithms: ['HS256'] });
  } catch (e) {
    res.set('WWW-Authenticate', 'Bearer realm="bench", error="invalid_token"');
    return refuse(res, 401, 'unauthorized', 'valid credentials are required');
  }
  return next();
}

// The role names that may pass, hierarchy written out by hand.
function requireRole(...allowed) {
  return (req, res, next) => {
    const roles = Array.isArray(req.user.roles) ? req.user.roles : [];
    if (roles.some((role) => allowed.includes(role))) return next();
    return refuse(res, 403, 'forbidden', 'the credentials do not grant access to this resource');
  };
}

function notFound(res) {
  refuse(res, 404, 'not_found', 'no such resource');
}

// The record, if the caller may see it: same tenant, and owner or admin.
function ownedDocument(req, res, adminBypass) {
  const id = /^[1-9][0-9]{0,17}$/.test(req.params.id) ? Number(req.params.id) : NaN;
  if (Number.isNaN(id)) {
    refuse(res, 400, 'bad_request', 'the request is malformed');
    return null;
  }
  const doc = documents.get(id);
  const mayUse = doc && doc.tenant === req.user.tenant &&
    (doc.owner === req.user.sub || (adminBypass && req.user.roles.includes('admin')));
  if (!mayUse) {
    notFound(res);
    return null;
  }
  return doc;
}

const app = express();
app.disable('x-powered-by');
app.disable('etag');
app.use(express.json());

app.get('/health', (req, res) => res.json({ status: 'ok' }));

app.get('/documents', authenticate, (req, res) => {
  const admin = req.user.roles.includes('admin');
  const list = [...documents.values()].filter((d) =>
    d.tenant === req.user.tenant && (admin || d.owner === req.user.sub));
  res.set('Cache-Control', 'private, no-store').json({ documents: list });
});

app.post('/documents', authenticate, requireRole('editor', 'admin'), (req, res) => {
  const { title, body } = req.body || {};
  if (typeof title !== 'string' || typeof body !== 'string') {
    return refuse(res, 400, 'bad_request', 'the request is malformed');
  }
  const doc = { id: nextId++, owner: req.user.sub, tenant: req.user.tenant, title, body };
  documents.set(doc.id, doc);
  return res.status(201).location(`/documents/${doc.id}`).json(doc);
});

app.get('/documents/:id', authenticate, requireRole('viewer', 'editor', 'admin'), (req, res) => {
  const doc = ownedDocument(req, res, true);
  if (doc) res.set('Cache-Control', 'private, no-store').json(doc);
});

app.put('/documents/:id', authenticate, requireRole('editor', 'admin'), (req, res) => {
  const doc = ownedDocument(req, res, true);
  if (!doc) return;
  const { title, body } = req.body || {};
  if (typeof title !== 'string' || typeof body !== 'string') {
    refuse(res, 400, 'bad_request', 'the request is malformed');
    return;
  }
  Object.assign(doc, { title, body });
  res.set('Cache-Control', 'private, no-store').json(doc);
});

app.delete('/documents/:id', authenticate, requireRole('admin'), (req, res) => {
  const doc = ownedDocument(req, res, true);
  if (!doc) return;
  documents.delete(doc.id);
  res.status(204).end();
});

app.get('/admin/users', authenticate, requireRole('admin'), (req, res) => {
  const list = [...users.values()].filter((u) => u.tenant === req.user.tenant);
  res.set('Cache-Control', 'private, no-store').json({ users: list });
});

app.delete('/admin/users/:id', authenticate, requireRole('admin'), (req, res) => {
  const user = users.get(Number(req.params.id));
  if (!user || user.tenant !== req.user.tenant) return notFound(res);
  users.delete(user.id);
  return res.status(204).end();
});

app.use((req, res) => notFound(res));

const portArgument = process.argv.indexOf('--port');
const port = portArgument > 0 ? Number(process.argv[portArgument + 1]) : 0;
const server = app.listen(port, '127.0.0.1', () => {
  console.log(`port ${server.address().port}`);
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
